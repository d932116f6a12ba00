package dev.skiff.cli.template;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * Compact JSON as docker's {@code json} template function writes it: Go's encoding/json with HTML
 * escaping switched off ({@code SetEscapeHTML(false)} in docker's templates.go), so {@code <} stays
 * {@code <}; U+2028 and U+2029 are still escaped, as Go always does. API objects (Jackson nodes) keep
 * their field order, as Go structs do; Java maps and {@link Fields} are written with sorted keys, as Go
 * maps are. A {@link Fields} row is one of docker's formatter contexts, which marshal themselves with
 * plain json.Marshal: inside one, {@code <}, {@code >} and {@code &} are escaped ({@code \u003c}).
 */
final class GoJson {
    private GoJson() {
    }

    static String encode(Object v) {
        StringBuilder out = new StringBuilder();
        write(v, out, false);
        return out.toString();
    }

    private static void write(Object raw, StringBuilder out, boolean escapeHtml) {
        boolean html = escapeHtml || raw instanceof Fields;
        Object v = Values.normalize(raw);
        switch (Values.kind(v)) {
            case NIL, NO_VALUE -> out.append("null");
            case BOOL, INT -> out.append(v);
            case FLOAT -> out.append(number(v));
            case STRING -> string((String) v, out, html);
            case LIST -> {
                out.append('[');
                boolean first = true;
                for (Object e : Values.list(v)) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    write(e, out, html);
                }
                out.append(']');
            }
            case MAP, STRUCT -> {
                Map<String, Object> entries = v instanceof JsonNode ? Values.map(v) : Values.sortedMap(v);
                out.append('{');
                boolean first = true;
                for (Map.Entry<String, Object> e : entries.entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(e.getKey(), out, html);
                    out.append(':');
                    write(e.getValue(), out, html);
                }
                out.append('}');
            }
            case OTHER -> string(String.valueOf(v), out, html);
        }
    }

    /** Go's float64 encoding: plain digits, exponent form below 1e-6 and from 1e21 ("1e-7", "1e+21"). */
    private static String number(Object v) {
        double d = ((Number) v).doubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            throw new IllegalArgumentException("json: unsupported value: " + GoFormat.value(d));
        }
        double abs = Math.abs(d);
        GoFormat.Decimal dec = GoFormat.Decimal.shortest(abs);
        String sign = d < 0 ? "-" : "";
        if (abs != 0 && (abs < 1e-6 || abs >= 1e21)) {
            String e = dec.fmtE(Math.max(dec.nd() - 1, 0));
            // Go writes e-07 as e-7, keeping two digits only for positive exponents.
            return sign + e.replaceFirst("e-0(\\d)$", "e-$1");
        }
        return sign + dec.fmtF(Math.max(dec.nd() - dec.dp(), 0));
    }

    private static void string(String s, StringBuilder out, boolean escapeHtml) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\u2028', '\u2029' -> out.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20 || escapeHtml && (c == '<' || c == '>' || c == '&')) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isSurrogate(c) && !validSurrogatePair(s, i)) {
                        out.append("\\ufffd");
                    } else if (Character.isHighSurrogate(c)) {
                        out.append(c).append(s.charAt(++i));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static boolean validSurrogatePair(String s, int i) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length()
                && Character.isLowSurrogate(s.charAt(i + 1));
    }
}
