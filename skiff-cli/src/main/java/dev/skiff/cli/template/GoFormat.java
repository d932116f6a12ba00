package dev.skiff.cli.template;

import dev.skiff.cli.template.Values.Kind;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Go's fmt package as templates reach it: how a value prints ({@code [a b]}, {@code map[k:v]}, {@code
 * <nil>}, {@code 1e+06}), Sprint's spacing rules, and Printf's verbs with their {@code %!d(string=x)}
 * complaints.
 */
final class GoFormat {
    private GoFormat() {
    }

    // ---- Sprint, Sprintln, %v ----

    /** fmt.Sprint: a space between operands when neither is a string. */
    static String sprint(List<Object> args) {
        StringBuilder out = new StringBuilder();
        boolean prevString = false;
        for (int i = 0; i < args.size(); i++) {
            boolean isString = Values.kind(args.get(i)) == Kind.STRING;
            if (i > 0 && !isString && !prevString) {
                out.append(' ');
            }
            out.append(value(args.get(i)));
            prevString = isString;
        }
        return out.toString();
    }

    /** fmt.Sprintln: spaces between all operands and a newline. */
    static String sprintln(List<Object> args) {
        List<String> parts = new ArrayList<>();
        args.forEach(a -> parts.add(value(a)));
        return String.join(" ", parts) + "\n";
    }

    /** A value as %v prints it. */
    static String value(Object v) {
        return format(Values.normalize(v), 'v', new Spec());
    }

    // ---- Sprintf ----

    /** Flags, width and precision of one verb; -1 when absent. */
    private static final class Spec {
        boolean minus;
        boolean plus;
        boolean sharp;
        boolean space;
        boolean zero;
        int width = -1;
        int prec = -1;
    }

    static String sprintf(String format, List<Object> args) {
        StringBuilder out = new StringBuilder();
        int arg = 0;
        int i = 0;
        while (i < format.length()) {
            char c = format.charAt(i++);
            if (c != '%') {
                out.append(c);
                continue;
            }
            Spec spec = new Spec();
            flags:
            while (i < format.length()) {
                switch (format.charAt(i)) {
                    case '-' -> spec.minus = true;
                    case '+' -> spec.plus = true;
                    case '#' -> spec.sharp = true;
                    case ' ' -> spec.space = true;
                    case '0' -> spec.zero = true;
                    default -> {
                        break flags;
                    }
                }
                i++;
            }
            if (i < format.length() && format.charAt(i) == '*') {
                i++;
                if (arg < args.size() && Values.kind(args.get(arg)) == Kind.INT) {
                    spec.width = ((Number) Values.normalize(args.get(arg++))).intValue();
                    if (spec.width < 0) {
                        spec.minus = true;
                        spec.width = -spec.width;
                    }
                } else {
                    out.append("%!(BADWIDTH)");
                    arg++;
                }
            } else {
                int start = i;
                while (i < format.length() && Character.isDigit(format.charAt(i))) {
                    i++;
                }
                if (i > start) {
                    spec.width = Integer.parseInt(format.substring(start, i));
                }
            }
            if (i < format.length() && format.charAt(i) == '.') {
                i++;
                if (i < format.length() && format.charAt(i) == '*') {
                    i++;
                    if (arg < args.size() && Values.kind(args.get(arg)) == Kind.INT) {
                        spec.prec = Math.max(0, ((Number) Values.normalize(args.get(arg++))).intValue());
                    } else {
                        out.append("%!(BADPREC)");
                        arg++;
                    }
                } else {
                    int start = i;
                    while (i < format.length() && Character.isDigit(format.charAt(i))) {
                        i++;
                    }
                    spec.prec = i > start ? Integer.parseInt(format.substring(start, i)) : 0;
                }
            }
            if (i >= format.length()) {
                out.append("%!(NOVERB)");
                break;
            }
            int verb = format.codePointAt(i);
            i += Character.charCount(verb);
            if (verb == '%') {
                out.append('%');
                continue;
            }
            if (arg >= args.size()) {
                out.append("%!").appendCodePoint(verb).append("(MISSING)");
                continue;
            }
            out.append(format(Values.normalize(args.get(arg++)), verb, spec));
        }
        if (arg < args.size()) {
            out.append("%!(EXTRA ");
            List<String> extra = new ArrayList<>();
            for (Object a : args.subList(arg, args.size())) {
                extra.add(a == null ? "<nil>" : Values.typeName(a) + "=" + value(a));
            }
            out.append(String.join(", ", extra)).append(')');
        }
        return out.toString();
    }

    private static String format(Object v, int verb, Spec spec) {
        if (verb == 'T') {
            return pad(Values.typeName(v), spec);
        }
        Kind kind = Values.kind(v);
        return switch (kind) {
            case NIL, NO_VALUE -> verb == 'v' ? pad("<nil>", spec) : badVerb(verb, v);
            case BOOL -> verb == 'v' || verb == 't' ? pad(v.toString(), spec) : badVerb(verb, v);
            case INT -> formatInteger(Values.bigInteger(v), verb, spec, v);
            case FLOAT -> formatFloat(((Number) v).doubleValue(), verb, spec, v);
            case STRING -> formatString((String) v, verb, spec);
            case LIST -> {
                List<String> parts = new ArrayList<>();
                Values.list(v).forEach(e -> parts.add(format(e, verb, spec)));
                yield "[" + String.join(" ", parts) + "]";
            }
            case MAP, STRUCT -> {
                List<String> parts = new ArrayList<>();
                for (Map.Entry<String, Object> e : Values.sortedMap(v).entrySet()) {
                    parts.add(format(e.getKey(), verb, spec) + ":" + format(e.getValue(), verb, spec));
                }
                yield "map[" + String.join(" ", parts) + "]";
            }
            case OTHER -> pad(String.valueOf(v), spec);
        };
    }

    private static String badVerb(int verb, Object v) {
        String shown = v == null || v == Values.NO_VALUE ? "<nil>" : Values.typeName(v) + "=" + value(v);
        return "%!" + new String(Character.toChars(verb)) + "(" + shown + ")";
    }

    private static String formatString(String s, int verb, Spec spec) {
        return switch (verb) {
            case 'v', 's' -> pad(truncate(s, spec.prec), spec);
            case 'q' -> pad(quote(truncate(s, spec.prec)), spec);
            case 'x', 'X' -> {
                String hex = HexFormat.of().formatHex(truncate(s, spec.prec).getBytes(StandardCharsets.UTF_8));
                yield pad(verb == 'X' ? hex.toUpperCase(Locale.ROOT) : hex, spec);
            }
            default -> badVerb(verb, s);
        };
    }

    private static String truncate(String s, int runes) {
        if (runes < 0 || s.codePointCount(0, s.length()) <= runes) {
            return s;
        }
        return s.substring(0, s.offsetByCodePoints(0, runes));
    }

    private static String formatInteger(BigInteger n, int verb, Spec spec, Object original) {
        String digits;
        String prefix = "";
        switch (verb) {
            case 'v', 'd' -> digits = n.abs().toString();
            case 'x' -> {
                digits = n.abs().toString(16);
                prefix = spec.sharp ? "0x" : "";
            }
            case 'X' -> {
                digits = n.abs().toString(16).toUpperCase(Locale.ROOT);
                prefix = spec.sharp ? "0X" : "";
            }
            case 'o' -> {
                digits = n.abs().toString(8);
                prefix = spec.sharp ? "0" : "";
            }
            case 'O' -> {
                digits = n.abs().toString(8);
                prefix = "0o";
            }
            case 'b' -> digits = n.abs().toString(2);
            case 'c' -> {
                return pad(new String(Character.toChars(n.intValue())), spec);
            }
            case 'q' -> {
                return pad("'" + quoteBody(new String(Character.toChars(n.intValue())), '\'') + "'", spec);
            }
            case 'U' -> {
                return pad(String.format("U+%04X", n), spec);
            }
            case 'e', 'E', 'f', 'F', 'g', 'G' -> {
                // Go refuses %f for integers; JSON cannot tell 5 from 5.0, so docker's float fields arrive here.
                return formatFloat(n.doubleValue(), verb, spec, original);
            }
            default -> {
                return badVerb(verb, original);
            }
        }
        if (spec.prec >= 0) {
            if (spec.prec == 0 && n.signum() == 0) {
                digits = "";
            }
            digits = "0".repeat(Math.max(0, spec.prec - digits.length())) + digits;
        }
        return padNumber(sign(n.signum() < 0, spec), prefix + digits, spec, spec.prec < 0);
    }

    private static String sign(boolean negative, Spec spec) {
        return negative ? "-" : spec.plus ? "+" : spec.space ? " " : "";
    }

    private static String formatFloat(double d, int verb, Spec spec, Object original) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            String s = Double.isNaN(d) ? "NaN" : d > 0 ? (spec.plus ? "+Inf" : "Inf") : "-Inf";
            return pad(s, spec);
        }
        boolean negative = d < 0 || (d == 0 && 1 / d < 0);
        double abs = Math.abs(d);
        String body = switch (verb) {
            case 'v', 'g', 'G' -> {
                String g = verb == 'v' && spec.prec < 0 && original instanceof BigDecimal bd ? plainDecimal(bd.abs())
                        : formatG(abs, spec.prec);
                yield verb == 'G' ? g.toUpperCase(Locale.ROOT) : g;
            }
            case 'e', 'E' -> {
                Decimal dec = Decimal.of(new BigDecimal(abs).round(new MathContext(
                        (spec.prec < 0 ? 6 : spec.prec) + 1, RoundingMode.HALF_EVEN)));
                String e = dec.fmtE(spec.prec < 0 ? 6 : spec.prec);
                yield verb == 'E' ? e.toUpperCase(Locale.ROOT) : e;
            }
            case 'f', 'F' -> new BigDecimal(abs).setScale(spec.prec < 0 ? 6 : spec.prec, RoundingMode.HALF_EVEN)
                    .toPlainString();
            default -> null;
        };
        if (body == null) {
            return badVerb(verb, original);
        }
        return padNumber(sign(negative, spec), body, spec, true);
    }

    /** %g: shortest when prec is -1, switching to exponent form as strconv does (at 1e+06 when shortest). */
    private static String formatG(double abs, int prec) {
        Decimal dec;
        int eprec;
        if (prec < 0) {
            dec = Decimal.shortest(abs);
            eprec = 6;
        } else {
            int p = prec == 0 ? 1 : prec;
            dec = Decimal.of(new BigDecimal(abs).round(new MathContext(p, RoundingMode.HALF_EVEN)));
            eprec = p;
            if (eprec > dec.nd() && dec.nd() >= dec.dp()) {
                eprec = dec.nd();
            }
        }
        int exp = dec.dp() - 1;
        if (dec.nd() > 0 && (exp < -4 || exp >= eprec)) {
            return dec.fmtE(Math.max(dec.nd() - 1, 0));
        }
        return dec.fmtF(Math.max(dec.nd() - dec.dp(), 0));
    }

    /** A JSON number with a fraction, printed as docker prints a json.Number: as written, minus noise. */
    private static String plainDecimal(BigDecimal d) {
        BigDecimal s = d.stripTrailingZeros();
        return s.scale() <= 0 ? s.toBigInteger().toString() : s.toPlainString();
    }

    /** Digits without trailing zeros and the decimal point's place: value = 0.digits × 10^dp. */
    record Decimal(String digits, int dp) {
        static Decimal shortest(double abs) {
            return of(new BigDecimal(Double.toString(abs)));
        }

        static Decimal of(BigDecimal abs) {
            if (abs.signum() == 0) {
                return new Decimal("", 0);
            }
            BigDecimal s = abs.stripTrailingZeros();
            String digits = s.unscaledValue().toString();
            return new Decimal(digits, digits.length() - s.scale());
        }

        int nd() {
            return digits.length();
        }

        private char digit(int i) {
            return i >= 0 && i < digits.length() ? digits.charAt(i) : '0';
        }

        /** d.dddde±dd with prec digits after the point. */
        String fmtE(int prec) {
            StringBuilder out = new StringBuilder().append(digit(0));
            if (prec > 0) {
                out.append('.');
                for (int i = 1; i <= prec; i++) {
                    out.append(digit(i));
                }
            }
            int exp = digits.isEmpty() ? 0 : dp - 1;
            out.append('e').append(exp < 0 ? '-' : '+');
            int abs = Math.abs(exp);
            out.append(abs < 10 ? "0" + abs : Integer.toString(abs));
            return out.toString();
        }

        /** ddd.ddd with prec digits after the point. */
        String fmtF(int prec) {
            StringBuilder out = new StringBuilder();
            if (dp > 0) {
                for (int i = 0; i < dp; i++) {
                    out.append(digit(i));
                }
            } else {
                out.append('0');
            }
            if (prec > 0) {
                out.append('.');
                for (int i = 0; i < prec; i++) {
                    out.append(digit(dp + i));
                }
            }
            return out.toString();
        }
    }

    private static String padNumber(String sign, String body, Spec spec, boolean zeroAllowed) {
        int len = sign.length() + body.length();
        if (spec.width > len && spec.zero && !spec.minus && zeroAllowed) {
            return sign + "0".repeat(spec.width - len) + body;
        }
        return pad(sign + body, spec);
    }

    private static String pad(String s, Spec spec) {
        int n = s.codePointCount(0, s.length());
        if (spec.width <= n) {
            return s;
        }
        String fill = (spec.zero && !spec.minus ? "0" : " ").repeat(spec.width - n);
        return spec.minus ? s + fill : fill + s;
    }

    // ---- quoting ----

    /** Go's strconv.Quote. */
    static String quote(String s) {
        return "\"" + quoteBody(s, '"') + "\"";
    }

    private static String quoteBody(String s, char quote) {
        StringBuilder out = new StringBuilder();
        s.codePoints().forEach(r -> {
            if (r == quote || r == '\\') {
                out.append('\\').appendCodePoint(r);
            } else if (isPrint(r)) {
                out.appendCodePoint(r);
            } else {
                switch (r) {
                    case 7 -> out.append("\\a");
                    case '\b' -> out.append("\\b");
                    case '\f' -> out.append("\\f");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    case 11 -> out.append("\\v");
                    default -> {
                        if (r < ' ' || r == 0x7f) {
                            out.append(String.format("\\x%02x", r));
                        } else if (r >= 0xD800 && r <= 0xDFFF) {
                            out.append("\\ufffd");
                        } else if (r < 0x10000) {
                            out.append(String.format("\\u%04x", r));
                        } else {
                            out.append(String.format("\\U%08x", r));
                        }
                    }
                }
            }
        });
        return out.toString();
    }

    /** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
    static boolean isPrint(int r) {
        if (r == ' ') {
            return true;
        }
        return switch (Character.getType(r)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.NON_SPACING_MARK,
                 Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.DECIMAL_DIGIT_NUMBER,
                 Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.CONNECTOR_PUNCTUATION,
                 Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                 Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                 Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }

    /** Go's %#U: {@code U+0023 '#'}. */
    static String unicodeName(int r) {
        String name = String.format("U+%04X", r);
        return isPrint(r) ? name + " '" + new String(Character.toChars(r)) + "'" : name;
    }
}
