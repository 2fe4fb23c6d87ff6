package dev.portico.grpc;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A JDK HTTP client of one gateway port. */
final class Http {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;

    Http(int port) {
        this.port = port;
    }

    HttpResponse<String> get(String target, String... headers) throws Exception {
        return send("GET", target, null, headers);
    }

    HttpResponse<String> post(String target, String body, String... headers) throws Exception {
        return send("POST", target, body, headers);
    }

    HttpResponse<String> send(String method, String target, String body, String... headers) throws Exception {
        return client.send(request(method, target, body, headers), HttpResponse.BodyHandlers.ofString());
    }

    HttpRequest request(String method, String target, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + target))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return request.build();
    }

    HttpClient client() {
        return client;
    }

    static JsonElement json(HttpResponse<String> response) {
        return JsonParser.parseString(response.body());
    }

    static String error(HttpResponse<String> response) {
        return json(response).getAsJsonObject().get("error").getAsString();
    }
}
