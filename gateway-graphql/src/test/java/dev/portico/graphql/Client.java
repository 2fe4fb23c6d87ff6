package dev.portico.graphql;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** A GraphQL client for tests: the JDK's HTTP client against a gateway's port. */
final class Client {

    /** A reply, its body parsed as JSON when it is JSON. */
    record Reply(int status, HttpResponse<String> response) {

        String body() {
            return response.body();
        }

        JsonObject json() {
            return JsonParser.parseString(response.body()).getAsJsonObject();
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        /** Returns the value at a dotted path in the JSON, such as {@code data.me.name} or {@code errors.0.message}. */
        JsonElement at(String path) {
            JsonElement value = json();
            for (String part : path.split("\\.")) {
                if (value == null || value.isJsonNull()) {
                    return null;
                }
                value = value.isJsonArray() ? value.getAsJsonArray().get(Integer.parseInt(part))
                        : value.getAsJsonObject().get(part);
            }
            return value;
        }
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;

    Client(int port) {
        this.port = port;
    }

    /** POSTs a query as {@code {"query": ...}} with these extra headers (name, value, ...). */
    Reply post(String query, String... headers) throws Exception {
        JsonObject body = new JsonObject();
        body.addProperty("query", query);
        return postBody(body.toString(), "application/json", headers);
    }

    /** POSTs a query with variables. */
    Reply post(String query, Map<String, Object> variables, String... headers) throws Exception {
        JsonObject body = new JsonObject();
        body.addProperty("query", query);
        body.add("variables", new com.google.gson.Gson().toJsonTree(variables));
        return postBody(body.toString(), "application/json", headers);
    }

    Reply postBody(String body, String contentType, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/graphql"))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response);
    }

    /** GETs a query with these extra headers (name, value, ...). */
    Reply get(String query, String... headers) throws Exception {
        return getTarget("/graphql?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8).replace("+", "%20"), headers);
    }

    /** GETs a target with these extra headers (name, value, ...). */
    Reply getTarget(String target, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + target))
                .timeout(Duration.ofSeconds(30))
                .GET();
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response);
    }
}
