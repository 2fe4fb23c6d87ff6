package dev.portico.undertow;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The adapter's API is PorticoServer and PorticoHandler: none of their public signatures names an internal type. */
class AdapterSurfaceTest {

    private static final String INTERNAL = "dev.portico.undertow.internal";

    @Test
    void noPublicSignatureOfTheAdapterNamesAnInternalType() {
        List<String> leaks = new ArrayList<>();
        for (Class<?> type : List.of(PorticoServer.class, PorticoServer.Builder.class, PorticoHandler.class)) {
            for (Method method : type.getDeclaredMethods()) {
                if (isApi(method.getModifiers())) {
                    check(leaks, type.getSimpleName() + '.' + method.getName(),
                            Stream.concat(Stream.of(method.getGenericReturnType()), Stream.of(method.getGenericParameterTypes())));
                }
            }
            for (Constructor<?> constructor : type.getDeclaredConstructors()) {
                if (isApi(constructor.getModifiers())) {
                    check(leaks, type.getSimpleName() + ".<init>", Stream.of(constructor.getGenericParameterTypes()));
                }
            }
            for (Field field : type.getDeclaredFields()) {
                if (isApi(field.getModifiers())) {
                    check(leaks, type.getSimpleName() + '.' + field.getName(), Stream.of(field.getGenericType()));
                }
            }
        }

        assertThat(leaks).isEmpty();
    }

    private static boolean isApi(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void check(List<String> leaks, String where, Stream<Type> types) {
        types.filter(type -> type.getTypeName().contains(INTERNAL)).forEach(type -> leaks.add(where + " names " + type));
    }
}
