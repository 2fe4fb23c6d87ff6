package dev.portico.grpc.internal;

import com.google.gson.JsonPrimitive;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.portico.core.GatewayException;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * A dotted path to a field of a request message, such as {@code item.id}, resolved once against the message type,
 * that sets the field from text (a path capture or a query parameter) as proto3 JSON would read it.
 */
public final class FieldPath {

    private static final Set<String> SCALAR_MESSAGES = Set.of(
            "google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask",
            "google.protobuf.DoubleValue", "google.protobuf.FloatValue", "google.protobuf.Int64Value",
            "google.protobuf.UInt64Value", "google.protobuf.Int32Value", "google.protobuf.UInt32Value",
            "google.protobuf.BoolValue", "google.protobuf.StringValue", "google.protobuf.BytesValue");

    private final String text;
    private final FieldDescriptor[] fields;

    private FieldPath(String text, FieldDescriptor[] fields) {
        this.text = text;
        this.fields = fields;
    }

    /**
     * Resolves a dotted path by proto or JSON field names; every field but the last must be a singular message, and
     * the last must hold text: a scalar, an enum or a well-known type written as a JSON string.
     *
     * @return the path, or {@code null} when a name does not exist
     * @throws IllegalArgumentException when the path exists but cannot take text
     */
    public static FieldPath resolve(Descriptor type, String path) {
        String[] names = path.split("\\.", -1);
        FieldDescriptor[] fields = new FieldDescriptor[names.length];
        Descriptor at = type;
        for (int i = 0; i < names.length; i++) {
            FieldDescriptor field = at == null ? null : find(at, names[i]);
            if (field == null) {
                return null;
            }
            fields[i] = field;
            boolean last = i == names.length - 1;
            if (!last) {
                if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || field.isRepeated()) {
                    throw new IllegalArgumentException("field path " + path + ": " + field.getName()
                            + " is not a singular message");
                }
                at = field.getMessageType();
            } else if (field.isMapField() || (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                    && !SCALAR_MESSAGES.contains(field.getMessageType().getFullName()))) {
                throw new IllegalArgumentException("field path " + path + ": " + field.getName()
                        + " is a message or a map, which text cannot set");
            }
        }
        return new FieldPath(path, fields);
    }

    private static FieldDescriptor find(Descriptor type, String name) {
        FieldDescriptor field = type.findFieldByName(name);
        if (field != null) {
            return field;
        }
        for (FieldDescriptor candidate : type.getFields()) {
            if (candidate.getJsonName().equals(name)) {
                return candidate;
            }
        }
        return null;
    }

    /** Returns the path as written. */
    public String text() {
        return text;
    }

    /** Returns the last field. */
    public FieldDescriptor field() {
        return fields[fields.length - 1];
    }

    /**
     * Sets the field in this message builder from these values (several only for a repeated field), replacing what
     * it held.
     *
     * @throws GatewayException 400 when a value does not fit the field's type
     */
    public void set(Message.Builder message, List<String> values) {
        set(message, 0, values);
    }

    private void set(Message.Builder at, int depth, List<String> values) {
        FieldDescriptor field = fields[depth];
        if (depth < fields.length - 1) {
            Message.Builder nested = ((Message) at.getField(field)).toBuilder();
            set(nested, depth + 1, values);
            at.setField(field, nested.build());
            return;
        }
        if (!field.isRepeated() && values.size() > 1) {
            throw GatewayException.badRequest(text + ": one value expected, got " + values.size());
        }
        if (field.isRepeated()) {
            List<Object> converted = new ArrayList<>(values.size());
            for (String value : values) {
                converted.add(convert(at, field, value));
            }
            at.clearField(field);
            for (Object value : converted) {
                at.addRepeatedField(field, value);
            }
        } else {
            at.setField(field, convert(at, field, values.get(0)));
        }
    }

    private Object convert(Message.Builder owner, FieldDescriptor field, String value) {
        try {
            switch (field.getType()) {
                case STRING:
                    return value;
                case INT32, SINT32, SFIXED32:
                    return Integer.parseInt(value);
                case UINT32, FIXED32:
                    return Integer.parseUnsignedInt(value);
                case INT64, SINT64, SFIXED64:
                    return Long.parseLong(value);
                case UINT64, FIXED64:
                    return Long.parseUnsignedLong(value);
                case DOUBLE:
                    return parseDouble(value);
                case FLOAT:
                    return (float) parseDouble(value);
                case BOOL:
                    if (value.equals("true") || value.equals("false")) {
                        return Boolean.parseBoolean(value);
                    }
                    throw new NumberFormatException();
                case BYTES:
                    return ByteString.copyFrom(decodeBase64(value));
                case ENUM:
                    return enumValue(field, value);
                case MESSAGE:
                    Message.Builder builder = owner.newBuilderForField(field);
                    JsonFormat.parser().merge(new JsonPrimitive(value).toString(), builder);
                    return builder.build();
                default:
                    throw new IllegalStateException("field type " + field.getType());
            }
        } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
            throw GatewayException.badRequest(text + ": \"" + shorten(value) + "\" is not a valid "
                    + typeName(field));
        }
    }

    private static double parseDouble(String value) {
        return switch (value) {
            case "NaN" -> Double.NaN;
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default -> {
                double parsed = Double.parseDouble(value);
                if (Double.isNaN(parsed) || Double.isInfinite(parsed) || !Character.isDigit(value.charAt(value.length() - 1))) {
                    throw new NumberFormatException(value);
                }
                yield parsed;
            }
        };
    }

    private static byte[] decodeBase64(String value) {
        return value.indexOf('-') >= 0 || value.indexOf('_') >= 0
                ? Base64.getUrlDecoder().decode(value) : Base64.getDecoder().decode(value);
    }

    private static EnumValueDescriptor enumValue(FieldDescriptor field, String value) {
        EnumValueDescriptor named = field.getEnumType().findValueByName(value);
        if (named != null) {
            return named;
        }
        int number = Integer.parseInt(value);
        EnumValueDescriptor numbered = field.getEnumType().findValueByNumber(number);
        if (numbered == null && field.getEnumType().isClosed()) {
            throw new NumberFormatException(value);
        }
        return numbered != null ? numbered : field.getEnumType().findValueByNumberCreatingIfUnknown(number);
    }

    private static String typeName(FieldDescriptor field) {
        return switch (field.getJavaType()) {
            case ENUM -> field.getEnumType().getName();
            case MESSAGE -> field.getMessageType().getFullName();
            default -> field.getType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String shorten(String value) {
        return value.length() <= 64 ? value : value.substring(0, 64) + "...";
    }
}
