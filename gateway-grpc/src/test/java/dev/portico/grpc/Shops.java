package dev.portico.grpc;

import java.nio.file.Path;

/** Where the test build's descriptor set of shop.proto is. */
final class Shops {

    /** The set protoc wrote for src/test/proto with --include_imports, as the build's protobuf plugin runs it. */
    static final Path DESCRIPTOR_SET = Path.of("target/generated-test-resources/protobuf/descriptor-sets/test-protos.pb");

    static final String SHOP = "portico.test.shop.Shop";

    private Shops() {
    }
}
