package dev.skiff.cli.template;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A row of computed fields, as docker's formatter contexts expose them ({@code .Repository}, {@code
 * .Tag}, {@code .ID}, {@code .CreatedSince}): behaves like a Go struct, so an unknown field is an error
 * naming {@code typeName} ({@code can't evaluate field Foo in type *formatter.imageContext}), and
 * {@code {{json .}}} writes the fields with sorted keys, as docker's contexts marshal themselves.
 *
 * <p>Values may be strings, numbers, booleans, lists, maps, Jackson nodes or nested {@code Fields}; a
 * null value prints {@code <nil>}.
 */
public record Fields(String typeName, Map<String, ?> values) {
    /**
     * A method of the context that takes arguments, as {@code {{.Label "com.example.x"}}} on docker's
     * container context: called with the template's evaluated arguments. JSON output leaves methods out,
     * as Go's encoder does.
     */
    @FunctionalInterface
    public interface Method {
        /** @throws IllegalArgumentException with Go's words when the arguments are wrong */
        Object call(java.util.List<Object> args);
    }

    public Fields {
        Objects.requireNonNull(typeName, "typeName");
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Fields with the type name docker's image list uses in its error messages. */
    public static Fields of(Map<String, ?> values) {
        return new Fields("*formatter.context", values);
    }
}
