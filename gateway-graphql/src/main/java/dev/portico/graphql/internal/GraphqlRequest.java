package dev.portico.graphql.internal;

import dev.portico.core.GatewayException;
import dev.portico.core.Request;
import graphql.language.Document;
import graphql.language.OperationDefinition;
import graphql.parser.Parser;

import java.util.List;
import java.util.Map;

/**
 * A GraphQL-over-HTTP request's parameters, read from a POST's JSON body or a GET's query; what is malformed is a
 * 400 {@link GatewayException} before anything is parsed as GraphQL.
 *
 * @param query         the GraphQL document
 * @param operationName the operation to run, or {@code null}
 * @param variables     the variables, empty when none
 */
public record GraphqlRequest(String query, String operationName, Map<String, Object> variables) {

    /** Reads the parameters of a POST's JSON body. */
    public static GraphqlRequest fromBody(String body) {
        Object parsed;
        try {
            parsed = Json.parse(body);
        } catch (IllegalArgumentException e) {
            throw GatewayException.badRequest("the body is not JSON");
        }
        if (!(parsed instanceof Map<?, ?> params)) {
            throw GatewayException.badRequest("the body is not a JSON object");
        }
        return of(params.get("query"), params.get("operationName"), params.get("variables"));
    }

    /** Reads the parameters of a GET's query: {@code query}, {@code operationName} and {@code variables} (JSON). */
    public static GraphqlRequest fromQuery(Request request) {
        String variables = request.queryParam("variables");
        Object parsed = null;
        if (variables != null && !variables.isEmpty()) {
            try {
                parsed = Json.parse(variables);
            } catch (IllegalArgumentException e) {
                throw GatewayException.badRequest("the variables parameter is not JSON");
            }
        }
        return of(request.queryParam("query"), request.queryParam("operationName"), parsed);
    }

    @SuppressWarnings("unchecked")
    private static GraphqlRequest of(Object query, Object operationName, Object variables) {
        if (!(query instanceof String text) || text.isBlank()) {
            throw GatewayException.badRequest("query is required, as a string");
        }
        if (operationName != null && !(operationName instanceof String)) {
            throw GatewayException.badRequest("operationName must be a string");
        }
        if (variables != null && !(variables instanceof Map)) {
            throw GatewayException.badRequest("variables must be a JSON object");
        }
        return new GraphqlRequest(text, (String) operationName,
                variables == null ? Map.of() : (Map<String, Object>) variables);
    }

    /**
     * Returns whether the operation this request runs is a mutation or subscription (not for GET); a document that
     * does not parse, or names no such operation, is left for execution to report.
     */
    public boolean isNotQuery() {
        Document document;
        try {
            document = Parser.parse(query);
        } catch (RuntimeException e) { // InvalidSyntaxException and the parser's other refusals
            return false;
        }
        List<OperationDefinition> operations = document.getDefinitionsOfType(OperationDefinition.class);
        for (OperationDefinition operation : operations) {
            boolean chosen = operationName == null ? operations.size() == 1 : operationName.equals(operation.getName());
            if (chosen) {
                return operation.getOperation() != OperationDefinition.Operation.QUERY;
            }
        }
        return false;
    }

    /** Returns the query's size in UTF-8 bytes, counted without encoding it. */
    public int querySize() {
        int bytes = 0;
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < query.length() && Character.isLowSurrogate(query.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
