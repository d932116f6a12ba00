package dev.skiff.cli.template;

import dev.skiff.cli.template.Values.Kind;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The functions a format can call: Go's builtins and the ones docker adds in cli/templates/templates.go
 * ({@code json join split title lower upper pad truncate}), plus docker's header variants, which leave a
 * column name as it is so that {@code table {{upper .Name}}} still prints the header "NAME".
 */
final class Functions {
    /** What a parameter accepts; checked before the call, with Go's messages. */
    enum Param { ANY, STRING, INT }

    /** A callable with Go's calling rules: fixed parameters, or a variadic last one. */
    record Function(String name, List<Param> params, boolean variadic, Impl impl) {
        Function {
            params = List.copyOf(params);
        }

        Param param(int i) {
            return i < params.size() ? params.get(i) : params.getLast();
        }
    }

    @FunctionalInterface
    interface Impl {
        Object call(List<Object> args);
    }

    /** A function's own failure; the executor reports it as {@code error calling NAME: message}. */
    static final class CallError extends RuntimeException {
        CallError(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code and} and {@code or} evaluate their arguments lazily, so the executor runs them itself. */
    static final String AND = "and";
    static final String OR = "or";

    static final Map<String, Function> STANDARD = standard();
    static final Map<String, Function> HEADER = header();

    private Functions() {
    }

    private static Map<String, Function> standard() {
        Map<String, Function> m = new HashMap<>();
        put(m, AND, true, a -> a.getLast(), Param.ANY, Param.ANY);
        put(m, OR, true, a -> a.getLast(), Param.ANY, Param.ANY);
        put(m, "not", false, a -> !Values.truth(a.getFirst()), Param.ANY);
        put(m, "len", false, a -> length(a.getFirst()), Param.ANY);
        put(m, "index", true, a -> index(a.getFirst(), a.subList(1, a.size())), Param.ANY, Param.ANY);
        put(m, "slice", true, a -> slice(a.getFirst(), a.subList(1, a.size())), Param.ANY, Param.ANY);
        put(m, "eq", true, Functions::eq, Param.ANY, Param.ANY);
        put(m, "ne", false, a -> !eq(a), Param.ANY, Param.ANY);
        put(m, "lt", false, a -> compare(a.get(0), a.get(1)) < 0, Param.ANY, Param.ANY);
        put(m, "le", false, a -> compare(a.get(0), a.get(1)) <= 0, Param.ANY, Param.ANY);
        put(m, "gt", false, a -> compare(a.get(0), a.get(1)) > 0, Param.ANY, Param.ANY);
        put(m, "ge", false, a -> compare(a.get(0), a.get(1)) >= 0, Param.ANY, Param.ANY);
        put(m, "print", true, GoFormat::sprint, Param.ANY);
        put(m, "println", true, GoFormat::sprintln, Param.ANY);
        put(m, "printf", true, a -> GoFormat.sprintf((String) a.getFirst(), a.subList(1, a.size())),
                Param.STRING, Param.ANY);
        put(m, "html", true, a -> html(evalArgs(a)), Param.ANY);
        put(m, "urlquery", true, a -> URLEncoder.encode(evalArgs(a), StandardCharsets.UTF_8)
                .replace("*", "%2A").replace("%7E", "~"), Param.ANY);
        // docker's additions
        put(m, "json", false, a -> json(a.getFirst()), Param.ANY);
        put(m, "split", false, a -> GoStrings.split((String) a.get(0), (String) a.get(1)), Param.STRING,
                Param.STRING);
        put(m, "join", false, a -> join(a.get(0), (String) a.get(1)), Param.ANY, Param.STRING);
        put(m, "title", false, a -> GoStrings.title((String) a.getFirst()), Param.STRING);
        put(m, "lower", false, a -> ((String) a.getFirst()).toLowerCase(Locale.ROOT), Param.STRING);
        put(m, "upper", false, a -> ((String) a.getFirst()).toUpperCase(Locale.ROOT), Param.STRING);
        put(m, "pad", false, a -> pad((String) a.get(0), (Long) a.get(1), (Long) a.get(2)), Param.STRING,
                Param.INT, Param.INT);
        put(m, "truncate", false, a -> truncate((String) a.get(0), (Long) a.get(1)), Param.STRING, Param.INT);
        return Map.copyOf(m);
    }

    /** docker's HeaderFunctions: a column name passes through json, split, join, title, lower, upper, truncate. */
    private static Map<String, Function> header() {
        Map<String, Function> m = new HashMap<>(STANDARD);
        Impl first = List::getFirst;
        put(m, "json", false, first, Param.STRING);
        put(m, "split", false, first, Param.STRING, Param.STRING);
        put(m, "join", false, first, Param.STRING, Param.STRING);
        put(m, "title", false, first, Param.STRING);
        put(m, "lower", false, first, Param.STRING);
        put(m, "upper", false, first, Param.STRING);
        put(m, "truncate", false, first, Param.STRING, Param.INT);
        return Map.copyOf(m);
    }

    private static void put(Map<String, Function> m, String name, boolean variadic, Impl impl, Param... params) {
        m.put(name, new Function(name, Arrays.asList(params), variadic, impl));
    }

    private static Object length(Object v) {
        return switch (Values.kind(v)) {
            case NIL -> 0;
            case STRING -> GoStrings.byteLength((String) Values.normalize(v));
            case LIST, MAP -> Values.size(v);
            default -> throw new CallError("len of type " + Values.typeName(v));
        };
    }

    private static Object index(Object item, List<Object> indexes) {
        if (Values.kind(item) == Kind.NIL) {
            throw new CallError("index of untyped nil");
        }
        for (Object index : indexes) {
            switch (Values.kind(item)) {
                case LIST -> {
                    List<Object> list = Values.list(item);
                    item = list.get(checkIndex(index, list.size(), "slice/array"));
                }
                case STRING -> {
                    byte[] bytes = ((String) Values.normalize(item)).getBytes(StandardCharsets.UTF_8);
                    item = bytes[checkIndex(index, bytes.length, "string")] & 0xff;
                }
                case MAP -> {
                    if (Values.kind(index) != Kind.STRING) {
                        throw new CallError("value has type " + Values.typeName(index) + "; should be string");
                    }
                    String key = (String) Values.normalize(index);
                    // A missing key gives the map's zero value; docker's maps of labels and options are
                    // map[string]string, so that is "", which is what scripts testing labels expect.
                    item = Values.containsKey(item, key) ? Values.get(item, key) : "";
                }
                case NIL -> throw new CallError("index of nil pointer");
                default -> throw new CallError("can't index item of type " + Values.typeName(item));
            }
        }
        return item;
    }

    private static int checkIndex(Object index, int size, String what) {
        if (Values.kind(index) != Kind.INT) {
            throw new CallError("cannot index " + what + " with type " + Values.typeName(index));
        }
        BigInteger i = Values.bigInteger(index);
        if (i.signum() < 0 || i.compareTo(BigInteger.valueOf(size)) >= 0) {
            throw new CallError("index out of range: " + i);
        }
        return i.intValue();
    }

    private static Object slice(Object item, List<Object> indexes) {
        Kind kind = Values.kind(item);
        if (kind == Kind.NIL) {
            throw new CallError("slice of untyped nil");
        }
        if (indexes.size() > 3) {
            throw new CallError("too many slice indexes: " + indexes.size());
        }
        if (kind != Kind.LIST && kind != Kind.STRING) {
            throw new CallError("can't slice item of type " + Values.typeName(item));
        }
        byte[] bytes = kind == Kind.STRING
                ? ((String) Values.normalize(item)).getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (kind == Kind.STRING && indexes.size() == 3) {
            throw new CallError("cannot 3-index slice a string");
        }
        int cap = kind == Kind.STRING ? bytes.length : Values.size(item);
        int[] idx = {0, cap, cap};
        for (int i = 0; i < indexes.size(); i++) {
            Object x = indexes.get(i);
            if (Values.kind(x) != Kind.INT) {
                throw new CallError("cannot index slice/array with type " + Values.typeName(x));
            }
            BigInteger n = Values.bigInteger(x);
            if (n.signum() < 0 || n.compareTo(BigInteger.valueOf(cap)) > 0) {
                throw new CallError("index out of range: " + n);
            }
            idx[i] = n.intValue();
        }
        if (idx[0] > idx[1]) {
            throw new CallError("invalid slice index: " + idx[0] + " > " + idx[1]);
        }
        if (indexes.size() == 3 && idx[1] > idx[2]) {
            throw new CallError("invalid slice index: " + idx[1] + " > " + idx[2]);
        }
        if (kind == Kind.STRING) {
            return new String(bytes, idx[0], idx[1] - idx[0], StandardCharsets.UTF_8);
        }
        return new ArrayList<>(Values.list(item).subList(idx[0], idx[1]));
    }

    // ---- comparison, with Go's leniency (any integer types) and strictness (no string vs number) ----

    private enum Basic { BOOL, NUMBER, STRING, NIL, OTHER }

    private static Basic basic(Object v) {
        return switch (Values.kind(v)) {
            case BOOL -> Basic.BOOL;
            case INT, FLOAT -> Basic.NUMBER;
            case STRING -> Basic.STRING;
            case NIL, NO_VALUE -> Basic.NIL;
            default -> Basic.OTHER;
        };
    }

    private static boolean eq(List<Object> args) {
        if (args.size() < 2) {
            throw new CallError("missing argument for comparison");
        }
        Object a = Values.normalize(args.getFirst());
        Basic ka = basic(a);
        for (Object raw : args.subList(1, args.size())) {
            Object b = Values.normalize(raw);
            Basic kb = basic(b);
            if (ka != kb) {
                if (ka == Basic.NIL || kb == Basic.NIL) {
                    continue;
                }
                throw new CallError("incompatible types for comparison");
            }
            boolean equal = switch (ka) {
                case NIL -> true;
                case BOOL, STRING -> a.equals(b);
                case NUMBER -> compareNumbers(a, b) == 0;
                case OTHER -> throw new CallError("non-comparable type " + GoFormat.value(a) + ": "
                        + Values.typeName(a));
            };
            if (equal) {
                return true;
            }
        }
        return false;
    }

    private static int compare(Object rawA, Object rawB) {
        Object a = Values.normalize(rawA);
        Object b = Values.normalize(rawB);
        Basic ka = basic(a);
        Basic kb = basic(b);
        if (ka != kb) {
            throw new CallError("incompatible types for comparison");
        }
        return switch (ka) {
            case NUMBER -> compareNumbers(a, b);
            case STRING -> ((String) a).compareTo((String) b);
            default -> throw new CallError("invalid type for comparison");
        };
    }

    private static int compareNumbers(Object a, Object b) {
        return decimal(a).compareTo(decimal(b));
    }

    private static BigDecimal decimal(Object n) {
        return switch (n) {
            case BigDecimal d -> d;
            case BigInteger i -> new BigDecimal(i);
            case Double d -> BigDecimal.valueOf(d);
            default -> BigDecimal.valueOf(((Number) n).longValue());
        };
    }

    // ---- docker's functions ----

    private static String json(Object v) {
        try {
            return GoJson.encode(v);
        } catch (IllegalArgumentException e) {
            throw new CallError(e.getMessage());
        }
    }

    /** docker's joinElements: slices element by element, maps by their sorted values. */
    private static String join(Object elems, String sep) {
        List<String> parts = new ArrayList<>();
        switch (Values.kind(elems)) {
            case NIL -> {
                return "";
            }
            case LIST -> Values.list(elems).forEach(e -> parts.add(GoFormat.value(e)));
            case MAP -> {
                Values.map(elems).values().forEach(e -> parts.add(GoFormat.value(e)));
                parts.sort(null);
            }
            default -> throw new CallError("expected slice, got " + Values.typeName(elems));
        }
        return String.join(sep, parts);
    }

    private static String pad(String s, long prefix, long suffix) {
        if (s.isEmpty()) {
            return s;
        }
        if (prefix < 0 || suffix < 0) {
            throw new CallError("strings: negative Repeat count");
        }
        return " ".repeat((int) prefix) + s + " ".repeat((int) suffix);
    }

    /** docker's truncateWithLength: cuts at a byte length, as Go slices strings. */
    private static String truncate(String s, long length) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < length) {
            return s;
        }
        if (length < 0) {
            throw new CallError("runtime error: slice bounds out of range [:" + length + "]");
        }
        return new String(bytes, 0, (int) length, StandardCharsets.UTF_8);
    }

    /** Go's evalArgs for html and urlquery: a lone string as it is, else fmt.Sprint of all. */
    private static String evalArgs(List<Object> args) {
        if (args.size() == 1 && Values.kind(args.getFirst()) == Kind.STRING) {
            return (String) Values.normalize(args.getFirst());
        }
        return GoFormat.sprint(args);
    }

    private static String html(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("&#34;");
                case '\'' -> out.append("&#39;");
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case 0 -> out.append('\uFFFD');
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
