package dev.portico.examples.mobile;

import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo's OpenTelemetry wiring over real sockets: {@code GET /metrics}, trace continuation and span logging. */
class DemoMetricsTest {

    private static final String DURATION = "http_server_request_duration_seconds_count";
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

    private MobileDemo demo;
    private Http http;

    @BeforeEach
    void start() {
        demo = MobileDemo.start(new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), null));
        http = new Http(demo.port());
    }

    @AfterEach
    void stop() {
        demo.close();
    }

    @Test
    void servesRequestDurationsByRouteTemplateMethodAndStatusInPrometheusText() throws Exception {
        assertThat(http.get("/api/products").statusCode()).isEqualTo(200);
        assertThat(http.get("/api/products/p1").statusCode()).isEqualTo(200);
        assertThat(http.get("/api/products/p2").statusCode()).isEqualTo(200);
        assertThat(http.get("/api/products/nope").statusCode()).isEqualTo(404);
        assertThat(http.get("/api/users/me").statusCode()).isEqualTo(401);

        HttpResponse<String> metrics = http.get("/metrics");

        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain").contains("version=0.0.4"));
        List<String> series = series(metrics.body(), DURATION);
        assertThat(series).anySatisfy(line -> assertThat(line)
                .contains("http_route=\"/api/products\"", "http_request_method=\"GET\"",
                        "http_response_status_code=\"200\"").endsWith(" 1"));
        // two ids, one template: the series counts both requests
        assertThat(series).anySatisfy(line -> assertThat(line)
                .contains("http_route=\"/api/products/{id}\"", "http_request_method=\"GET\"",
                        "http_response_status_code=\"200\"").endsWith(" 2"));
        assertThat(series).anySatisfy(line -> assertThat(line)
                .contains("http_route=\"/api/products/{id}\"", "http_response_status_code=\"404\""));
        assertThat(series).anySatisfy(line -> assertThat(line)
                .contains("http_route=\"/api/users/me\"", "http_response_status_code=\"401\""));
        assertThat(metrics.body()).contains("# TYPE http_server_request_duration_seconds histogram")
                .doesNotContain("/api/products/p1", "/api/products/nope");
    }

    @Test
    void keepsRawPathsOutOfMetricsAndTheSeriesBounded() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(http.get("/unknown/" + UUID.randomUUID()).statusCode()).isEqualTo(404);
        }
        Set<String> before = labels(http.get("/metrics").body());

        StringBuilder paths = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            String path = "/unknown/" + UUID.randomUUID() + "/" + i;
            paths.append(path).append('\n');
            assertThat(http.get(path).statusCode()).isEqualTo(404);
        }
        String after = http.get("/metrics").body();

        for (String path : paths.toString().split("\n")) {
            assertThat(after).doesNotContain(path.substring("/unknown/".length(), path.lastIndexOf('/')));
        }
        assertThat(after).doesNotContain("/unknown/");
        // the unknown paths add no series: every one of them is counted in the same unrouted 404 series
        Set<String> unrouted = labels(after).stream().filter(line -> !line.contains("http_route="))
                .collect(Collectors.toSet());
        assertThat(unrouted).isNotEmpty()
                .isEqualTo(before.stream().filter(line -> !line.contains("http_route=")).collect(Collectors.toSet()));
        assertThat(series(after, DURATION)).hasSizeLessThan(5)
                .filteredOn(line -> !line.contains("http_route="))
                .singleElement().satisfies(line -> assertThat(line)
                        .contains("http_response_status_code=\"404\"").endsWith(" 305"));
    }

    @Test
    void continuesTheClientsTraceWithoutExportingSpans() throws Exception {
        HttpResponse<String> response = http.get("/api/products/p1", "traceparent", TRACEPARENT);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Trace-Id")).hasValue(TRACE_ID);
    }

    @Test
    void logsTheGatewaysSpansInTheClientsTraceWithDemoTracesLog() throws Exception {
        Logger logger = Logger.getLogger(LoggingSpanExporter.class.getName());
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(record.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        try (MobileDemo traced = MobileDemo.start(
                new DemoConfig(0, Duration.ZERO, Duration.ofSeconds(2), null).withLogTraces(true))) {
            HttpResponse<String> response = new Http(traced.port()).get("/api/products/p1", "traceparent", TRACEPARENT);

            assertThat(response.headers().firstValue("X-Trace-Id")).hasValue(TRACE_ID);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (logged.stream().noneMatch(line -> line.startsWith("'GET /api/products/{id}'"))
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        } finally {
            logger.removeHandler(capture);
        }
        assertThat(logged).anySatisfy(line -> assertThat(line)
                .startsWith("'GET /api/products/{id}' : " + TRACE_ID + " ").contains(" SERVER "));
        assertThat(logged).anySatisfy(line -> assertThat(line).contains(" : " + TRACE_ID + " ", " CLIENT "));
    }

    /** Returns the lines of this metric's samples. */
    private static List<String> series(String metrics, String name) {
        return metrics.lines().filter(line -> line.startsWith(name + "{")).toList();
    }

    /** Returns the label sets of the request-duration series. */
    private static Set<String> labels(String metrics) {
        return series(metrics, DURATION).stream().map(line -> line.substring(0, line.lastIndexOf('}') + 1))
                .collect(Collectors.toSet());
    }
}
