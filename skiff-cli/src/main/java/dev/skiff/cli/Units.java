package dev.skiff.cli;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The values docker's run flags take, parsed with docker's rules and words: memory sizes (go-units'
 * RAMInBytes: binary units b, k, m, g, t, p with optional b/ib), Go durations ({@code 1m30s}) and
 * {@code --cpus} as nano-CPUs.
 */
final class Units {
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

    private Units() {
    }

    /** A value a flag refused; the caller names the flag, as pflag does. */
    static final class InvalidValue extends RuntimeException {
        InvalidValue(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code 512m} → 536870912; errors say {@code invalid size: '...'} or {@code invalid suffix: '...'} as docker. */
    static long ramInBytes(String text) {
        int sep = -1;
        for (int i = text.length() - 1; i >= 0; i--) {
            if ("01234567890. ".indexOf(text.charAt(i)) >= 0) {
                sep = i;
                break;
            }
        }
        if (sep == -1) {
            throw new InvalidValue("invalid size: '" + text + "'");
        }
        String num = text.charAt(sep) != ' ' ? text.substring(0, sep + 1) : text.substring(0, sep);
        String suffix = text.substring(sep + 1);
        double size;
        try {
            size = Double.parseDouble(num.strip().equals(num) ? num : "x");
        } catch (NumberFormatException e) {
            throw new InvalidValue("strconv.ParseFloat: parsing \"" + num + "\": invalid syntax");
        }
        if (size < 0) {
            throw new InvalidValue("invalid size: '" + text + "'");
        }
        if (suffix.isEmpty()) {
            return (long) size;
        }
        String sfx = suffix.toLowerCase(Locale.ROOT);
        if (sfx.length() > 3) {
            throw new InvalidValue("invalid suffix: '" + sfx + "'");
        }
        if (sfx.charAt(0) == 'b') {
            if (sfx.length() > 1) {
                throw new InvalidValue("invalid suffix: '" + sfx + "'");
            }
            return (long) size;
        }
        int power = "kmgtp".indexOf(sfx.charAt(0));
        if (power < 0 || (sfx.length() == 2 && sfx.charAt(1) != 'b') || (sfx.length() == 3 && !sfx.substring(1).equals("ib"))) {
            throw new InvalidValue("invalid suffix: '" + sfx + "'");
        }
        return (long) (size * Math.pow(1024, power + 1));
    }

    /** A Go duration ({@code 30s}, {@code 1m30s}, {@code 500ms}) in nanoseconds, as the API's health check fields take. */
    static long goDurationNanos(String text) {
        if (text.equals("0")) {
            return 0;
        }
        Matcher m = DURATION_PART.matcher(text);
        int at = 0;
        BigDecimal total = BigDecimal.ZERO;
        while (at < text.length() && m.find(at) && m.start() == at) {
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            total = total.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)));
            at = m.end();
        }
        if (at == 0 || at != text.length()) {
            throw new InvalidValue("time: invalid duration \"" + text + "\"");
        }
        return total.longValue();
    }

    /** {@code --cpus 1.5} → 1500000000 nano-CPUs, as docker's NanoCPUs flag. */
    static long nanoCpus(String text) {
        BigDecimal cpus;
        try {
            cpus = new BigDecimal(text.strip());
        } catch (NumberFormatException e) {
            throw new InvalidValue("failed to parse " + text + " as a rational number");
        }
        BigDecimal nano = cpus.multiply(BigDecimal.valueOf(1_000_000_000L));
        if (nano.signum() < 0 || nano.stripTrailingZeros().scale() > 0) {
            throw new InvalidValue("value is too precise");
        }
        return nano.longValueExact();
    }
}
