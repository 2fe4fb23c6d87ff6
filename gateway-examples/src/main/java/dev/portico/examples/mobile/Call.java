package dev.portico.examples.mobile;

import java.util.List;

/**
 * One request as a demo service sees it.
 *
 * @param method the method in upper case
 * @param path   the decoded path, such as {@code /users/alice}
 * @param userId the {@code X-User-Id} header, or {@code null} when absent or blank
 * @param body   the whole request body
 */
record Call(String method, String path, String userId, byte[] body) {

    /** Returns the path's segments: {@code /users/alice} gives {@code [users, alice]}. */
    List<String> segments() {
        return path.length() <= 1 ? List.of() : List.of(path.substring(1).split("/", -1));
    }

    /** Returns whether the method only reads: {@code GET} or {@code HEAD}. */
    boolean isRead() {
        return method.equals("GET") || method.equals("HEAD");
    }
}
