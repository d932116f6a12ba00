package dev.skiff.formats;

import java.util.regex.Pattern;

/** A tag as the OCI distribution spec defines it: {@code [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}}. */
public record Tag(String value) implements Comparable<Tag> {

    // Declared before LATEST: static fields initialize in order, and LATEST's constructor uses GRAMMAR.
    private static final Pattern GRAMMAR = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");

    public static final Tag LATEST = new Tag("latest");

    public Tag {
        if (!isValid(value)) {
            throw new FormatException("invalid tag " + (value == null ? "(none)" : "\""
                    + (value.length() > 80 ? value.substring(0, 80) + "..." : value) + "\"")
                    + ": a tag is 1 to 128 letters, digits, _ . or -, and does not start with . or -");
        }
    }

    public static Tag parse(String value) {
        return new Tag(value);
    }

    public static boolean isValid(String value) {
        return value != null && GRAMMAR.matcher(value).matches();
    }

    @Override
    public String toString() {
        return value;
    }

    @Override
    public int compareTo(Tag o) {
        return value.compareTo(o.value);
    }
}
