package dev.portico.core;

import dev.portico.core.internal.CoreAccess;
import dev.portico.core.internal.body.BufferedBody;
import dev.portico.core.internal.http.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** No public or protected signature of a public core class names a {@code dev.portico.core.internal} type. */
class ApiSurfaceTest {

    private static final String INTERNAL = "dev.portico.core.internal";

    @Test
    void noPublicSignatureOutsideInternalNamesAnInternalType() throws IOException {
        List<Class<?>> api = publicClasses(Path.of("target/classes"));
        List<String> leaks = new ArrayList<>();
        for (Class<?> type : api) {
            leaks.addAll(leaks(type));
        }

        assertThat(api).contains(Gateway.class, Route.class, Request.Builder.class, dev.portico.core.spi.Requests.class);
        assertThat(leaks).isEmpty();
    }

    @Test
    void theCheckFindsInternalTypesWhereverASignatureNamesThem() {
        assertThat(leaks(Leaky.class)).containsExactlyInAnyOrder(
                "ApiSurfaceTest.Leaky: interface names dev.portico.core.internal.CoreAccess.RequestAccess",
                "ApiSurfaceTest.Leaky: type parameter T names dev.portico.core.internal.http.Json",
                "ApiSurfaceTest.Leaky.body: field names dev.portico.core.internal.body.BufferedBody",
                "ApiSurfaceTest.Leaky.read: method names dev.portico.core.internal.body.BufferedBody",
                "ApiSurfaceTest.Leaky.all: method names dev.portico.core.internal.body.BufferedBody",
                "ApiSurfaceTest.Leaky.<init>: constructor names dev.portico.core.internal.body.BufferedBody");
        assertThat(leaks(Clean.class)).isEmpty();
    }

    /** A class whose every kind of signature names an internal type, and private members that may. */
    @SuppressWarnings("unused")
    public abstract static class Leaky<T extends Json> implements CoreAccess.RequestAccess {
        public BufferedBody body;
        private BufferedBody hidden;

        protected Leaky(BufferedBody body) {
        }

        public BufferedBody read() {
            return null;
        }

        public List<? extends BufferedBody[]> all() {
            return null;
        }

        private BufferedBody internally() {
            return null;
        }
    }

    /** A public class that keeps internal types to its private members and bodies. */
    @SuppressWarnings("unused")
    public static class Clean {
        private BufferedBody body;

        public Body body() {
            return body;
        }
    }

    private static List<Class<?>> publicClasses(Path classes) throws IOException {
        assertThat(Files.isDirectory(classes.resolve("dev/portico/core"))).isTrue();
        List<Class<?>> api = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList())) {
                String name = classes.relativize(file).toString().replace(file.getFileSystem().getSeparator(), ".");
                Class<?> type = load(name.substring(0, name.length() - ".class".length()));
                if (!type.getPackageName().startsWith(INTERNAL) && isVisible(type)) {
                    api.add(type);
                }
            }
        }
        return api;
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, ApiSurfaceTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(name, e);
        }
    }

    private static boolean isVisible(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getDeclaringClass()) {
            if (!Modifier.isPublic(c.getModifiers()) || c.isSynthetic() || c.isAnonymousClass() || c.isLocalClass()) {
                return false;
            }
        }
        return true;
    }

    /** Returns one line per public or protected signature of this class that names an internal type. */
    private static List<String> leaks(Class<?> type) {
        List<String> leaks = new ArrayList<>();
        String where = type.getName().substring(type.getPackageName().length() + 1).replace('$', '.');
        check(leaks, where + ": superclass", type.getGenericSuperclass());
        for (Type implemented : type.getGenericInterfaces()) {
            check(leaks, where + ": interface", implemented);
        }
        for (TypeVariable<?> variable : type.getTypeParameters()) {
            check(leaks, where + ": type parameter " + variable.getName(), variable.getBounds());
        }
        for (Field field : type.getDeclaredFields()) {
            if (isExposed(field)) {
                check(leaks, where + '.' + field.getName() + ": field", field.getGenericType());
            }
        }
        List<Executable> executables = new ArrayList<>(List.of(type.getDeclaredMethods()));
        executables.addAll(List.<Constructor<?>>of(type.getDeclaredConstructors()));
        for (Executable executable : executables) {
            if (!isExposed(executable)) {
                continue;
            }
            String what = where + '.' + (executable instanceof Method ? executable.getName() + ": method"
                    : "<init>: constructor");
            if (executable instanceof Method method) {
                check(leaks, what, method.getGenericReturnType());
            }
            check(leaks, what, executable.getGenericParameterTypes());
            check(leaks, what, executable.getGenericExceptionTypes());
            for (TypeVariable<?> variable : executable.getTypeParameters()) {
                check(leaks, what, variable.getBounds());
            }
        }
        return leaks.stream().distinct().collect(Collectors.toList());
    }

    private static boolean isExposed(Member member) {
        int modifiers = member.getModifiers();
        boolean visible = Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
        return visible && !member.isSynthetic() && !member.getDeclaringClass().isSynthetic();
    }

    private static void check(List<String> leaks, String what, Type... types) {
        for (Type type : types) {
            Set<Class<?>> named = new HashSet<>();
            collect(type, named, new HashSet<>());
            for (Class<?> c : named) {
                if (c.getPackageName().startsWith(INTERNAL)) {
                    leaks.add(what + " names " + c.getName().replace('$', '.'));
                }
            }
        }
    }

    private static void collect(Type type, Set<Class<?>> named, Set<Type> seen) {
        if (type == null || !seen.add(type)) {
            return;
        }
        if (type instanceof Class<?> c) {
            Class<?> element = c;
            while (element.isArray()) {
                element = element.getComponentType();
            }
            named.add(element);
        } else if (type instanceof ParameterizedType parameterized) {
            collect(parameterized.getRawType(), named, seen);
            collect(parameterized.getOwnerType(), named, seen);
            for (Type argument : parameterized.getActualTypeArguments()) {
                collect(argument, named, seen);
            }
        } else if (type instanceof WildcardType wildcard) {
            for (Type bound : wildcard.getUpperBounds()) {
                collect(bound, named, seen);
            }
            for (Type bound : wildcard.getLowerBounds()) {
                collect(bound, named, seen);
            }
        } else if (type instanceof GenericArrayType array) {
            collect(array.getGenericComponentType(), named, seen);
        } else if (type instanceof TypeVariable<?> variable) {
            for (Type bound : variable.getBounds()) {
                collect(bound, named, seen);
            }
        }
    }
}
