/** The transcoder's parts: descriptors, message binding, JSON, status mapping and the calls; not a public API. */
package dev.portico.grpc.internal;
