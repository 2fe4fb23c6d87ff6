package dev.portico.examples.mobile;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A JDK HTTP/1.1 client aimed at one local gateway, for the demo's real-socket tests. */
final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final int port;

    Http(int port) {
        this.port = port;
    }

    /** Sends a GET with these header name-value pairs. */
    HttpResponse<String> get(String target, String... headers) throws IOException, InterruptedException {
        return send("GET", target, null, headers);
    }

    /** Sends a POST of this body with these header name-value pairs. */
    HttpResponse<String> post(String target, String body, String... headers) throws IOException, InterruptedException {
        return send("POST", target, body, headers);
    }

    /** Sends a request; a {@code null} body sends none. */
    HttpResponse<String> send(String method, String target, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + target))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Returns an Authorization value with a demo token for {@code user}, signed with the default demo key. */
    static String bearer(String user) {
        return "Bearer " + DemoTokens.issue(DemoConfig.DEFAULT_JWT_SECRET, user, Duration.ofHours(1));
    }

    /** Parses a response body as JSON. */
    static JsonElement json(HttpResponse<String> response) {
        return JsonParser.parseString(response.body());
    }

    /** Returns the {@code error} field of a JSON error body. */
    static String error(HttpResponse<String> response) {
        return json(response).getAsJsonObject().get("error").getAsString();
    }
}
