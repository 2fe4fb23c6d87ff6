/** The gateway model and DSL: requests, responses, filters, routes, upstreams and the gateway that holds them. */
package dev.portico.core;
