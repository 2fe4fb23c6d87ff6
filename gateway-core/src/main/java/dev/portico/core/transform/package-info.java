/** Filters that transform JSON request and response bodies at nested paths and map response status codes. */
package dev.portico.core.transform;
