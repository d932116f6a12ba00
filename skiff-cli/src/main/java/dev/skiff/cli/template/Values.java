package dev.skiff.cli.template;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The values a template sees, classified as Go's reflection would: Jackson nodes and plain Java values
 * alike. JSON objects and Java maps are Go maps, JSON arrays and Java lists are slices, {@link Fields}
 * are structs. JSON numbers keep their integer-ness (docker decodes with UseNumber), so 1982563 prints
 * as 1982563, not 1.982563e+06.
 */
final class Values {
    /** Go's invalid reflect.Value: what a missing map key yields; prints as {@code <no value>}. */
    static final Object NO_VALUE = new Object() {
        @Override
        public String toString() {
            return "<no value>";
        }
    };

    enum Kind { NIL, NO_VALUE, BOOL, INT, FLOAT, STRING, LIST, MAP, STRUCT, OTHER }

    private Values() {
    }

    /** Turns scalar Jackson nodes into Java values; containers stay as they are. */
    static Object normalize(Object v) {
        if (!(v instanceof JsonNode n)) {
            if (v instanceof Short || v instanceof Byte) {
                return ((Number) v).intValue();
            }
            if (v instanceof Float f) {
                return f.doubleValue();
            }
            return v;
        }
        if (n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isIntegralNumber()) {
            return n.canConvertToLong() ? (Object) n.longValue() : n.bigIntegerValue();
        }
        if (n.isNumber()) {
            return n.isBigDecimal() ? n.decimalValue() : BigDecimal.valueOf(n.doubleValue());
        }
        if (n.isBinary()) {
            return n.asText();
        }
        return n;
    }

    static Kind kind(Object v) {
        v = normalize(v);
        if (v == null) {
            return Kind.NIL;
        }
        if (v == NO_VALUE) {
            return Kind.NO_VALUE;
        }
        return switch (v) {
            case String s -> Kind.STRING;
            case Boolean b -> Kind.BOOL;
            case Integer i -> Kind.INT;
            case Long l -> Kind.INT;
            case BigInteger b -> Kind.INT;
            case Double d -> Kind.FLOAT;
            case BigDecimal d -> Kind.FLOAT;
            case List<?> l -> Kind.LIST;
            case Map<?, ?> m -> Kind.MAP;
            case Fields f -> Kind.STRUCT;
            case JsonNode n when n.isArray() -> Kind.LIST;
            case JsonNode n when n.isObject() -> Kind.MAP;
            default -> Kind.OTHER;
        };
    }

    /** The Go type a docker user would see in messages like {@code %!d(string=abc)}. */
    static String typeName(Object v) {
        v = normalize(v);
        return switch (kind(v)) {
            case NIL, NO_VALUE -> "<nil>";
            case STRING -> "string";
            case BOOL -> "bool";
            case INT -> v instanceof Integer ? "int" : v instanceof Long ? "int64" : "uint64";
            case FLOAT -> "float64";
            case LIST -> "[]interface {}";
            case MAP -> "map[string]interface {}";
            case STRUCT -> ((Fields) v).typeName();
            case OTHER -> v.getClass().getSimpleName();
        };
    }

    /** The elements of a list value, normalized. */
    static List<Object> list(Object v) {
        v = normalize(v);
        List<Object> out = new ArrayList<>();
        if (v instanceof JsonNode n) {
            n.forEach(e -> out.add(normalize(e)));
        } else {
            ((List<?>) v).forEach(e -> out.add(normalize(e)));
        }
        return out;
    }

    /** The entries of a map or struct value, normalized, in their own order. */
    static Map<String, Object> map(Object v) {
        v = normalize(v);
        Map<String, Object> out = new LinkedHashMap<>();
        switch (v) {
            case JsonNode n -> n.properties().forEach(e -> out.put(e.getKey(), normalize(e.getValue())));
            case Fields f -> f.values().forEach((k, x) -> {
                if (!(x instanceof Fields.Method)) {
                    out.put(k, normalize(x));
                }
            });
            default -> ((Map<?, ?>) v).forEach((k, x) -> out.put(String.valueOf(k), normalize(x)));
        }
        return out;
    }

    /** Go ranges over and prints maps in key order. */
    static Map<String, Object> sortedMap(Object v) {
        return new TreeMap<>(map(v));
    }

    static boolean containsKey(Object v, String key) {
        v = normalize(v);
        return switch (v) {
            case JsonNode n -> n.has(key);
            case Fields f -> f.values().containsKey(key);
            default -> ((Map<?, ?>) v).containsKey(key);
        };
    }

    static Object get(Object v, String key) {
        v = normalize(v);
        return normalize(switch (v) {
            case JsonNode n -> n.get(key);
            case Fields f -> f.values().get(key);
            default -> ((Map<?, ?>) v).get(key);
        });
    }

    static int size(Object v) {
        v = normalize(v);
        return switch (v) {
            case JsonNode n -> n.size();
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case Fields f -> f.values().size();
            default -> throw new IllegalStateException("no size: " + v);
        };
    }

    /** Go's truth: false for zero values (false, 0, "", nil, empty slices and maps); structs are true. */
    static boolean truth(Object v) {
        v = normalize(v);
        return switch (kind(v)) {
            case NIL, NO_VALUE -> false;
            case BOOL -> (Boolean) v;
            case INT -> ((Number) v).longValue() != 0 || (v instanceof BigInteger b && b.signum() != 0);
            case FLOAT -> ((Number) v).doubleValue() != 0;
            case STRING -> !((String) v).isEmpty();
            case LIST, MAP -> size(v) > 0;
            case STRUCT, OTHER -> true;
        };
    }

    static BigInteger bigInteger(Object v) {
        v = normalize(v);
        return v instanceof BigInteger b ? b : BigInteger.valueOf(((Number) v).longValue());
    }

}
