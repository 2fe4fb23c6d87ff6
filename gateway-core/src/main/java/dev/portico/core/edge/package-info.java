/** Edge security filters that run before routing: CORS, IP allow and deny rules, and security response headers. */
package dev.portico.core.edge;
