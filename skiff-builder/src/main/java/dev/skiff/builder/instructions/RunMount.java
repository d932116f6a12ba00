package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.DockerfileException;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code RUN --mount=...} after its values were expanded: a comma-separated list of
 * {@code key=value} fields (CSV quoting allowed), read as BuildKit reads it.
 *
 * @param type      bind (the default), cache, tmpfs, secret or ssh
 * @param from      the stage or image a bind or cache mount reads from (the build context when empty)
 * @param source    the path in {@code from}, or the secret's id
 * @param target    where the mount appears in the container
 * @param readOnly  bind and secret mounts are read-only unless {@code rw}; cache and tmpfs writable
 * @param sizeLimit tmpfs size in bytes ({@code size=64m})
 * @param id        the cache's or secret's id
 * @param sharing   cache sharing: shared, private or locked
 * @param required  a secret or ssh mount whose absence fails the build
 * @param env       the variable a secret is exposed as
 * @param mode      file mode (octal in the text), for cache, secret and ssh mounts
 * @param uid       owner, for cache, secret and ssh mounts
 * @param gid       group, for cache, secret and ssh mounts
 */
public record RunMount(
        Type type,
        Optional<String> from,
        Optional<String> source,
        Optional<String> target,
        boolean readOnly,
        OptionalLong sizeLimit,
        Optional<String> id,
        Optional<Sharing> sharing,
        boolean required,
        Optional<String> env,
        OptionalLong mode,
        OptionalLong uid,
        OptionalLong gid) {

    public enum Type { BIND, CACHE, TMPFS, SECRET, SSH;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum Sharing { SHARED, PRIVATE, LOCKED }

    private static final List<String> TYPES = List.of("bind", "cache", "tmpfs", "secret", "ssh");
    private static final List<String> SHARINGS = List.of("shared", "private", "locked");
    private static final List<String> KEYS = List.of("type", "from", "source", "target", "readonly", "id", "sharing",
            "required", "size", "mode", "uid", "gid", "src", "dst", "destination", "ro", "rw", "readwrite", "env");
    /** docker/go-units RAMInBytes: a number, an optional binary unit, optional i and b. */
    private static final Pattern SIZE = Pattern.compile("^(\\d+(?:\\.\\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$");

    public RunMount {
        Objects.requireNonNull(type, "type");
    }

    /**
     * Reads one mount spec, expanding each value (not the keys) with {@code expander} first, as
     * BuildKit does once the stage's variables are known.
     *
     * @throws DockerfileException when a field is unknown, malformed or not allowed for the type
     */
    public static RunMount parse(String spec, UnaryOperator<String> expander) {
        Type type = Type.BIND;
        String from = null;
        String source = null;
        String target = null;
        boolean readOnly = false;
        boolean roAuto = true;
        Long size = null;
        String id = null;
        Sharing sharing = null;
        boolean required = false;
        String env = null;
        Long mode = null;
        Long uid = null;
        Long gid = null;
        for (String field : csvFields(spec)) {
            int eq = field.indexOf('=');
            String key = (eq < 0 ? field : field.substring(0, eq)).toLowerCase(Locale.ROOT);
            if (eq < 0) {
                switch (key) {
                    case "readonly", "ro" -> {
                        readOnly = true;
                        roAuto = false;
                    }
                    case "readwrite", "rw" -> {
                        readOnly = false;
                        roAuto = false;
                    }
                    case "required" -> {
                        if (type != Type.SECRET && type != Type.SSH) {
                            throw unexpectedKey(key, type);
                        }
                        required = true;
                    }
                    default -> throw new DockerfileException("invalid field '" + field
                            + "' must be a key=value pair");
                }
                continue;
            }
            String value = expander.apply(field.substring(eq + 1));
            switch (key) {
                case "type" -> {
                    String t = value.toLowerCase(Locale.ROOT);
                    if (!TYPES.contains(t)) {
                        throw new DockerfileException(Suggest.withSuggestion("unsupported mount type "
                                + GoStrings.quote(value), value, TYPES, true) + "; use one of " + String.join(", ", TYPES));
                    }
                    type = Type.valueOf(t.toUpperCase(Locale.ROOT));
                }
                case "from" -> from = value;
                case "source", "src" -> source = value;
                case "target", "dst", "destination" -> target = value;
                case "readonly", "ro" -> {
                    readOnly = parseBool(key, value);
                    roAuto = false;
                }
                case "readwrite", "rw" -> {
                    readOnly = !parseBool(key, value);
                    roAuto = false;
                }
                case "required" -> {
                    if (type != Type.SECRET && type != Type.SSH) {
                        throw unexpectedKey(key, type);
                    }
                    required = parseBool(key, value);
                }
                case "size" -> {
                    if (type != Type.TMPFS) {
                        throw unexpectedKey(key, type);
                    }
                    size = ramInBytes(value);
                }
                case "id" -> id = value;
                case "sharing" -> {
                    String s = value.toLowerCase(Locale.ROOT);
                    if (!SHARINGS.contains(s)) {
                        throw new DockerfileException(Suggest.withSuggestion("unsupported sharing value "
                                + GoStrings.quote(value), value, SHARINGS, true) + "; use shared, private or locked");
                    }
                    sharing = Sharing.valueOf(s.toUpperCase(Locale.ROOT));
                }
                case "mode" -> mode = parseUnsigned(value, 8, "mode");
                case "uid" -> uid = parseUnsigned(value, 10, "uid");
                case "gid" -> gid = parseUnsigned(value, 10, "gid");
                case "env" -> env = value;
                default -> throw new DockerfileException(Suggest.withSuggestion(
                        "unexpected key '" + key + "' in '" + field + "'", key, KEYS, true));
            }
        }
        boolean fileInfoAllowed = type == Type.SECRET || type == Type.SSH || type == Type.CACHE;
        if (!fileInfoAllowed) {
            String what = mode != null ? "mode" : uid != null ? "uid" : gid != null ? "gid" : null;
            if (what != null) {
                throw new DockerfileException(what + " not allowed for \"" + type.word() + "\" type mounts");
            }
        }
        if (roAuto) {
            readOnly = type != Type.CACHE && type != Type.TMPFS;
        }
        if (type == Type.SECRET) {
            if (from != null && !from.isEmpty()) {
                throw new DockerfileException("secret mount should not have a from");
            }
            if (sharing != null) {
                throw new DockerfileException("secret mount should not define sharing");
            }
            if (isEmpty(source) && isEmpty(target) && isEmpty(id)) {
                throw new DockerfileException("invalid secret mount. one of source, target required");
            }
            if (!isEmpty(source) && !isEmpty(id)) {
                throw new DockerfileException("both source and id can't be set");
            }
        }
        if (sharing != null && type != Type.CACHE) {
            throw new DockerfileException("invalid cache sharing set for " + type.word() + " mount");
        }
        return new RunMount(type, nonEmpty(from), nonEmpty(source), nonEmpty(target), readOnly,
                size == null ? OptionalLong.empty() : OptionalLong.of(size), nonEmpty(id), Optional.ofNullable(sharing),
                required, Optional.ofNullable(env), optionalLong(mode), optionalLong(uid), optionalLong(gid));
    }

    /**
     * The {@code from=} of a spec before expansion, as BuildKit reads it when it builds the stage
     * graph: it cannot hold a variable, because stages are ordered before variables are known.
     */
    static Optional<String> unexpandedFrom(String spec) {
        String from = null;
        for (String field : csvFields(spec)) {
            int eq = field.indexOf('=');
            if (eq < 0 || !field.substring(0, eq).equalsIgnoreCase("from")) {
                continue;
            }
            String value = field.substring(eq + 1);
            int dollar = value.indexOf('$');
            if (dollar >= 0 && dollar != value.length() - 1) {
                throw new DockerfileException("'from' doesn't support variable expansion, define alias stage instead");
            }
            from = value;
        }
        return nonEmpty(from);
    }

    /** One CSV record as Go's encoding/csv reads it (comma separator, {@code ""} inside quotes). */
    static List<String> csvFields(String line) {
        List<String> fields = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (true) {
            StringBuilder field = new StringBuilder();
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new DockerfileException("failed to parse csv mounts: extraneous or missing \" in quoted-field;"
                                + " close the quote");
                    }
                    char c = line.charAt(i);
                    if (c == '"') {
                        if (i + 1 < n && line.charAt(i + 1) == '"') {
                            field.append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    field.append(c);
                    i++;
                }
                if (i < n && line.charAt(i) != ',') {
                    throw new DockerfileException("failed to parse csv mounts: extraneous or missing \" in quoted-field;"
                            + " a quoted field must end at a comma");
                }
            } else {
                while (i < n && line.charAt(i) != ',') {
                    char c = line.charAt(i);
                    if (c == '"') {
                        throw new DockerfileException("failed to parse csv mounts: bare \" in non-quoted-field;"
                                + " quote the whole field, doubling inner quotes");
                    }
                    field.append(c);
                    i++;
                }
            }
            fields.add(field.toString());
            if (i >= n) {
                return fields;
            }
            i++; // the comma
        }
    }

    private static DockerfileException unexpectedKey(String key, Type type) {
        return new DockerfileException("unexpected key '" + key + "' for mount type '" + type.word() + "'");
    }

    private static boolean parseBool(String key, String value) {
        return switch (value) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> throw new DockerfileException("invalid value for " + key + ": " + value);
        };
    }

    private static long parseUnsigned(String value, int radix, String what) {
        try {
            long v = Long.parseLong(value, radix);
            if (v < 0 || v > 0xFFFF_FFFFL || value.startsWith("+") || value.startsWith("-")) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new DockerfileException("invalid value " + value + " for " + what);
        }
    }

    static long ramInBytes(String value) {
        Matcher m = SIZE.matcher(value);
        if (!m.matches()) {
            throw new DockerfileException("invalid value for size: " + value);
        }
        BigDecimal number;
        try {
            number = new BigDecimal(m.group(1));
        } catch (NumberFormatException e) {
            throw new DockerfileException("invalid value for size: " + value);
        }
        int power = m.group(2) == null ? 0 : "kmgtp".indexOf(Character.toLowerCase(m.group(2).charAt(0))) + 1;
        return number.multiply(BigDecimal.valueOf(1024).pow(power)).longValue();
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }

    private static Optional<String> nonEmpty(String s) {
        return isEmpty(s) ? Optional.empty() : Optional.of(s);
    }

    private static OptionalLong optionalLong(Long v) {
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }
}
