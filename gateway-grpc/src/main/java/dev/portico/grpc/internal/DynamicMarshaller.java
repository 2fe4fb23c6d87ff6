package dev.portico.grpc.internal;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

import java.io.IOException;
import java.io.InputStream;

/** Writes and reads the messages of one type as protobuf bytes, for a gRPC method without generated classes. */
public final class DynamicMarshaller implements MethodDescriptor.Marshaller<DynamicMessage> {

    private final Descriptor type;

    public DynamicMarshaller(Descriptor type) {
        this.type = type;
    }

    @Override
    public InputStream stream(DynamicMessage message) {
        return message.toByteString().newInput();
    }

    @Override
    public DynamicMessage parse(InputStream stream) {
        try {
            return DynamicMessage.parseFrom(type, stream, ExtensionRegistry.getEmptyRegistry());
        } catch (InvalidProtocolBufferException e) {
            throw Status.INTERNAL.withDescription("the upstream sent an invalid " + type.getFullName())
                    .withCause(e).asRuntimeException();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("could not read a " + type.getFullName()).withCause(e)
                    .asRuntimeException();
        }
    }
}
