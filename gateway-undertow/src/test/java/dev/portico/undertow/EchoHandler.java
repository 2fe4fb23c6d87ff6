package dev.portico.undertow;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;

/** A backend handler that answers with what it received: method, raw target, headers and body length, as JSON. */
final class EchoHandler implements HttpHandler {

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        exchange.getRequestReceiver().receiveFullBytes((ex, body) -> {
            JsonObject echo = new JsonObject();
            echo.addProperty("method", ex.getRequestMethod().toString());
            String query = ex.getQueryString();
            echo.addProperty("target", ex.getRequestURI() + (query.isEmpty() ? "" : "?" + query));
            JsonObject headers = new JsonObject();
            for (HeaderValues values : ex.getRequestHeaders()) {
                JsonArray all = new JsonArray();
                values.forEach(all::add);
                headers.add(values.getHeaderName().toString().toLowerCase(java.util.Locale.ROOT), all);
            }
            echo.add("headers", headers);
            echo.addProperty("bodyLength", body.length);
            ex.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
            ex.getResponseSender().send(echo.toString());
        });
    }
}
