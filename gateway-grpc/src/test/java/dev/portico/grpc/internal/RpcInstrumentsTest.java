package dev.portico.grpc.internal;

import io.opentelemetry.api.common.Attributes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The server address and port that a call's span and duration carry, read from the transcoder's target. */
class RpcInstrumentsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "dns:///shop.internal:9090, shop.internal, 9090",
        "dns://8.8.8.8/shop.internal:9090, shop.internal, 9090",
        "shop.internal:9090, shop.internal, 9090",
        "127.0.0.1:50051, 127.0.0.1, 50051",
        "dns:///[::1]:9090, ::1, 9090",
        "portico-addresses:///10.0.0.1:9090, 10.0.0.1, 9090",
    })
    void aTargetNamingOneServerGivesItsAddressAndPort(String target, String address, long port) {
        assertThat(RpcInstruments.server(target)).isEqualTo(Attributes.builder()
                .put(RpcInstruments.SERVER_ADDRESS, address).put(RpcInstruments.SERVER_PORT, port).build());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dns:///shop.internal", "xds:///shop"})
    void aTargetWithoutAPortGivesItsAddressAlone(String target) {
        assertThat(RpcInstruments.server(target).get(RpcInstruments.SERVER_ADDRESS)).isNotBlank();
        assertThat(RpcInstruments.server(target).get(RpcInstruments.SERVER_PORT)).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"portico-addresses:///10.0.0.1:9090,10.0.0.2:9090", "unix:/run/shop.sock",
        "unix:///run/shop.sock", "dns:///"})
    void anyOtherTargetGivesNeither(String target) {
        assertThat(RpcInstruments.server(target)).isEqualTo(Attributes.empty());
    }
}
