package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.DockerfileException;

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

    private GoDuration() {
    }

    /** 2^63 as an unsigned 64-bit value: Go accumulates the magnitude as uint64 and allows -2^63. */
    private static final long TWO_63 = Long.MIN_VALUE;

    /**
     * Follows Go's algorithm step by step (an unsigned 64-bit magnitude, the fraction scaled
     * through a float64), so that inputs such as {@code 0.3333333333333333333h} round as in Go.
     *
     * @throws DockerfileException with Go's message when {@code text} is not a duration
     */
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
        long total = 0; // unsigned
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c != '.' && !isDigit(c)) {
                throw invalid(text);
            }
            long v = 0; // unsigned
            int start = i;
            while (i < n && isDigit(s.charAt(i))) {
                if (Long.compareUnsigned(v, Long.divideUnsigned(TWO_63, 10)) > 0) {
                    throw invalid(text);
                }
                v = v * 10 + (s.charAt(i) - '0');
                if (Long.compareUnsigned(v, TWO_63) > 0) {
                    throw invalid(text);
                }
                i++;
            }
            boolean pre = i != start;
            boolean post = false;
            long f = 0;
            double scale = 1;
            if (i < n && s.charAt(i) == '.') {
                i++;
                int fractionStart = i;
                boolean overflow = false;
                while (i < n && isDigit(s.charAt(i))) {
                    int digit = s.charAt(i) - '0';
                    i++;
                    if (overflow) {
                        continue;
                    }
                    if (f > Long.MAX_VALUE / 10) {
                        overflow = true;
                        continue;
                    }
                    long y = f * 10 + digit;
                    if (y < 0) {
                        overflow = true;
                        continue;
                    }
                    f = y;
                    scale *= 10;
                }
                post = i != fractionStart;
            }
            if (!pre && !post) {
                throw invalid(text);
            }
            int unitStart = i;
            while (i < n && s.charAt(i) != '.' && !isDigit(s.charAt(i))) {
                i++;
            }
            if (unitStart == i) {
                throw new DockerfileException("time: missing unit in duration " + GoStrings.quote(text));
            }
            String unitName = s.substring(unitStart, i);
            Long unit = UNITS.get(unitName);
            if (unit == null) {
                throw new DockerfileException("time: unknown unit " + GoStrings.quote(unitName) + " in duration " + GoStrings.quote(text));
            }
            if (Long.compareUnsigned(v, Long.divideUnsigned(TWO_63, unit)) > 0) {
                throw invalid(text);
            }
            v *= unit;
            if (f > 0) {
                double extra = (double) f * ((double) unit / scale);
                if (extra >= 0x1p63) {
                    throw invalid(text);
                }
                v += (long) extra;
                if (Long.compareUnsigned(v, TWO_63) > 0) {
                    throw invalid(text);
                }
            }
            total += v;
            if (Long.compareUnsigned(total, TWO_63) > 0) {
                throw invalid(text);
            }
        }
        if (negative) {
            return Duration.ofNanos(-total); // -(2^63) wraps to Long.MIN_VALUE, as Go allows
        }
        if (total < 0) {
            throw invalid(text);
        }
        return Duration.ofNanos(total);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static DockerfileException invalid(String text) {
        return new DockerfileException("time: invalid duration " + GoStrings.quote(text));
    }
}
