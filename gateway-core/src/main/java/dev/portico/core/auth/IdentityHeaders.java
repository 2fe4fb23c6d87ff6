package dev.portico.core.auth;

import java.util.Set;

/**
 * A filter that tells services who the caller is through request headers (such as {@code X-User-Id} from a JWT's
 * {@code sub}). The gateway collects these header names from every filter at {@code build()} and removes them from
 * every incoming request, on every route, in any case and any count, before any filter runs: a client can never
 * choose its own identity.
 */
public interface IdentityHeaders {

    /** Returns the names of the headers this filter sets from the caller's identity. */
    Set<String> identityHeaders();
}
