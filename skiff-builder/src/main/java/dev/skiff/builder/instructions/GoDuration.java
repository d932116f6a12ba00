package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.DockerfileException;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;

/**
 * Go's {@code time.ParseDuration}, which HEALTHCHECK's flags use: a sign, then one or more
 * decimal numbers each with a unit ({@code ns}, {@code us}, {@code µs}, {@code μs}, {@code ms},
 * {@code s}, {@code m}, {@code h}), such as {@code 1h30m}, {@code 1.5s} or {@code -2m}; a lone
 * {@code 0} needs no unit. The error texts are Go's.
 */
public final class GoDuration {
    private static final Map<String, Long> UNITS = Map.of(
            "ns", 1L, "us", 1_000L, "\u00b5s", 1_000L, "\u03bcs", 1_000L,
            "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);
    private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private GoDuration() {
    }

    /** @throws DockerfileException with Go's message when {@code text} is not a duration */
    public static Duration parse(String text) {
        String s = text;
        boolean negative = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw invalid(text);
        }
        BigInteger total = BigInteger.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
                i++;
            }
            String whole = s.substring(start, i);
            String fraction = "";
            if (i < s.length() && s.charAt(i) == '.') {
                i++;
                int fs = i;
                while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                    i++;
                }
                fraction = s.substring(fs, i);
            }
            if (whole.isEmpty() && fraction.isEmpty()) {
                throw invalid(text); // no digits, as in ".s" or "s"
            }
            int us = i;
            while (i < s.length() && s.charAt(i) != '.' && !(s.charAt(i) >= '0' && s.charAt(i) <= '9')) {
                i++;
            }
            if (us == i) {
                throw new DockerfileException("time: missing unit in duration " + quote(text));
            }
            String unitName = s.substring(us, i);
            Long unit = UNITS.get(unitName);
            if (unit == null) {
                throw new DockerfileException("time: unknown unit " + quote(unitName) + " in duration " + quote(text));
            }
            BigDecimal number = new BigDecimal((whole.isEmpty() ? "0" : whole) + (fraction.isEmpty() ? "" : "." + fraction));
            total = total.add(number.multiply(BigDecimal.valueOf(unit)).toBigInteger());
            if (total.compareTo(MAX.add(BigInteger.ONE)) > 0) {
                throw invalid(text);
            }
        }
        if (negative) {
            total = total.negate();
        }
        if (total.compareTo(MAX) > 0 || total.compareTo(MIN) < 0) {
            throw invalid(text);
        }
        return Duration.ofNanos(total.longValueExact());
    }

    private static DockerfileException invalid(String text) {
        return new DockerfileException("time: invalid duration " + quote(text));
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    if (cp < 0x20 || cp == 0x7f) {
                        out.append(String.format("\\x%02x", cp));
                    } else {
                        out.appendCodePoint(cp);
                    }
                }
            }
        });
        return out.append('"').toString();
    }
}
