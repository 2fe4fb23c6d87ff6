/** REST/JSON to gRPC transcoding: routes whose target calls a gRPC method with dynamic protobuf messages. */
package dev.portico.grpc;
