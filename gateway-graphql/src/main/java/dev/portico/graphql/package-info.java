/** A GraphQL facade: an endpoint whose schema's fields resolve through the gateway's upstream calls. */
package dev.portico.graphql;
