package dev.portico.grpc.internal;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MethodOptions;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.TypeRegistry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The services and messages of a descriptor set, with each method's {@code google.api.http} rule when it has one. */
public final class DescriptorPool {

    private static final ExtensionRegistry HTTP_ANNOTATIONS = ExtensionRegistry.newInstance();

    static {
        HTTP_ANNOTATIONS.add(AnnotationsProto.http);
    }

    private final Map<String, ServiceDescriptor> services = new LinkedHashMap<>();
    private final Map<String, MethodDescriptor> methods = new HashMap<>();
    private final TypeRegistry types;

    private DescriptorPool(List<FileDescriptor> files) {
        TypeRegistry.Builder registry = TypeRegistry.newBuilder();
        Set<String> seen = new HashSet<>();
        for (FileDescriptor file : files) {
            addTypes(file, registry, seen);
            for (ServiceDescriptor service : file.getServices()) {
                services.putIfAbsent(service.getFullName(), service);
                for (MethodDescriptor method : service.getMethods()) {
                    methods.putIfAbsent(service.getFullName() + '/' + method.getName(), method);
                }
            }
        }
        this.types = registry.build();
    }

    private static void addTypes(FileDescriptor file, TypeRegistry.Builder registry, Set<String> seen) {
        if (!seen.add(file.getName())) {
            return;
        }
        for (FileDescriptor dependency : file.getDependencies()) {
            addTypes(dependency, registry, seen);
        }
        for (Descriptor message : file.getMessageTypes()) {
            registry.add(message);
        }
    }

    /** Returns the pool of these files (and what they import). */
    public static DescriptorPool of(List<FileDescriptor> files) {
        return new DescriptorPool(files);
    }

    /**
     * Returns the pool of a serialized {@code FileDescriptorSet}, which must hold every file its files import (as
     * {@code protoc --include_imports} writes it).
     */
    public static DescriptorPool parse(byte[] descriptorSet) {
        FileDescriptorSet set;
        try {
            set = FileDescriptorSet.parseFrom(descriptorSet, HTTP_ANNOTATIONS);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("descriptor set: not a serialized FileDescriptorSet", e);
        }
        Map<String, FileDescriptorProto> protos = new LinkedHashMap<>();
        for (FileDescriptorProto file : set.getFileList()) {
            protos.putIfAbsent(file.getName(), file);
        }
        Map<String, FileDescriptor> built = new HashMap<>();
        List<FileDescriptor> files = new ArrayList<>();
        for (String name : protos.keySet()) {
            files.add(build(name, protos, built, new ArrayList<>()));
        }
        return new DescriptorPool(files);
    }

    private static FileDescriptor build(String name, Map<String, FileDescriptorProto> protos,
                                        Map<String, FileDescriptor> built, List<String> path) {
        FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        FileDescriptorProto proto = protos.get(name);
        if (proto == null) {
            throw new IllegalArgumentException("descriptor set: " + path.get(path.size() - 1) + " imports " + name
                    + ", which the set lacks (expected: a set written with --include_imports)");
        }
        if (path.contains(name)) {
            throw new IllegalArgumentException("descriptor set: files import each other in a cycle: " + path);
        }
        path.add(name);
        FileDescriptor[] dependencies = new FileDescriptor[proto.getDependencyCount()];
        for (int i = 0; i < dependencies.length; i++) {
            dependencies[i] = build(proto.getDependency(i), protos, built, path);
        }
        path.remove(path.size() - 1);
        try {
            FileDescriptor file = FileDescriptor.buildFrom(proto, dependencies);
            built.put(name, file);
            return file;
        } catch (DescriptorValidationException e) {
            throw new IllegalArgumentException("descriptor set: " + name + " is not valid: " + e.getDescription(), e);
        }
    }

    /** Returns the services by full name, in the order of the files. */
    public Map<String, ServiceDescriptor> services() {
        return services;
    }

    /**
     * Returns a method by its full name, {@code package.Service/Method} (or {@code package.Service.Method}).
     *
     * @throws IllegalArgumentException when no service of the pool has it
     */
    public MethodDescriptor method(String fullName) {
        MethodDescriptor method = methods.get(fullName);
        if (method == null) {
            int dot = fullName.lastIndexOf('.');
            if (fullName.indexOf('/') < 0 && dot > 0) {
                method = methods.get(fullName.substring(0, dot) + '/' + fullName.substring(dot + 1));
            }
        }
        if (method == null) {
            throw new IllegalArgumentException("method: " + fullName
                    + " (expected: package.Service/Method of one of " + services.keySet() + ')');
        }
        return method;
    }

    /** Returns the registry of every message type, for {@code google.protobuf.Any} in JSON. */
    public TypeRegistry types() {
        return types;
    }

    /** Returns the method's {@code google.api.http} rule, or {@code null} when it has none. */
    public static HttpRule httpRule(MethodDescriptor method) {
        MethodOptions options = method.getOptions();
        if (options.hasExtension(AnnotationsProto.http)) {
            return options.getExtension(AnnotationsProto.http);
        }
        if (options.getUnknownFields().hasField(AnnotationsProto.HTTP_FIELD_NUMBER)) {
            try {
                MethodOptions parsed = MethodOptions.parseFrom(options.toByteString(), HTTP_ANNOTATIONS);
                return parsed.hasExtension(AnnotationsProto.http) ? parsed.getExtension(AnnotationsProto.http) : null;
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalArgumentException("method " + method.getFullName()
                        + ": its google.api.http option is not a valid HttpRule", e);
            }
        }
        return null;
    }
}
