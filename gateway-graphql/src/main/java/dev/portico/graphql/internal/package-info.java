/** The GraphQL facade's internals: URL templates, JSON, the GraphQL-over-HTTP request, the call budget and field errors. */
package dev.portico.graphql.internal;
