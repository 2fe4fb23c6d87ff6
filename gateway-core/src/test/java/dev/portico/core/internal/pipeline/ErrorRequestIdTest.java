package dev.portico.core.internal.pipeline;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Which response bodies get the request id added, and how. */
class ErrorRequestIdTest {

    private static String add(String body) {
        byte[] json = Pipeline.withRequestId(body.getBytes(StandardCharsets.UTF_8), "id-1");
        return json == null ? null : new String(json, StandardCharsets.UTF_8);
    }

    @Test
    void aGatewayErrorGetsTheIdBeforeItsClosingBrace() {
        assertThat(add("{\"error\":\"forbidden\",\"message\":\"not you\"}"))
                .isEqualTo("{\"error\":\"forbidden\",\"message\":\"not you\",\"requestId\":\"id-1\"}");
    }

    @Test
    void anErrorThatNamesAnIdAlreadyOrAnyOtherBodyIsLeftAlone() {
        assertThat(add("{\"error\":\"x\",\"message\":\"y\",\"requestId\":\"other\"}")).isNull();
        assertThat(add("{\"message\":\"y\",\"error\":\"x\"}")).isNull();
        assertThat(add("[{\"error\":\"x\"}]")).isNull();
        assertThat(add("{\"error\":\"x\"")).isNull();
        assertThat(add("")).isNull();
    }
}
