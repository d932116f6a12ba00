package dev.skiff.formats;

import java.util.regex.Pattern;

/**
 * A repository name as the OCI distribution spec defines it, for example {@code alice/getting-started}:
 * slash-separated lowercase path components, at most 255 characters in all. {@code ..}, absolute paths,
 * empty components and upper case never match, so a valid name is safe as a relative path.
 */
public record RepositoryName(String value) implements Comparable<RepositoryName> {

    public static final int MAX_LENGTH = 255;

    // distribution-spec: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*
    private static final Pattern GRAMMAR = Pattern.compile(
            "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");

    public RepositoryName {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH || !GRAMMAR.matcher(value).matches()) {
            throw new FormatException("invalid repository name " + describe(value)
                    + ": use lowercase letters, digits and . _ - separators in /-separated parts, at most "
                    + MAX_LENGTH + " characters");
        }
    }

    public static RepositoryName parse(String value) {
        return new RepositoryName(value);
    }

    public static boolean isValid(String value) {
        return value != null && !value.isEmpty() && value.length() <= MAX_LENGTH && GRAMMAR.matcher(value).matches();
    }

    /** The first path component: the account that owns the repository ({@code alice} for {@code alice/app}). */
    public String namespace() {
        int slash = value.indexOf('/');
        return slash < 0 ? value : value.substring(0, slash);
    }

    /** True when the name has more than one component, that is, lives under a namespace. */
    public boolean hasNamespace() {
        return value.indexOf('/') >= 0;
    }

    @Override
    public String toString() {
        return value;
    }

    @Override
    public int compareTo(RepositoryName o) {
        return value.compareTo(o.value);
    }

    private static String describe(String s) {
        if (s == null) {
            return "(none)";
        }
        return "\"" + (s.length() > 80 ? s.substring(0, 80) + "..." : s) + "\"";
    }
}
