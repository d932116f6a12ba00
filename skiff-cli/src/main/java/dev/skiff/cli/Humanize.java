package dev.skiff.cli;

import dev.skiff.formats.HumanDuration;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;

/** Ages and sizes as docker prints them (go-units' HumanDuration and HumanSizeWithPrecision(size, 3)). */
final class Humanize {
    private static final String[] DECIMAL_UNITS = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};

    private Humanize() {
    }

    static String ago(Duration d) {
        return duration(d) + " ago";
    }

    static String duration(Duration d) {
        return HumanDuration.of(d);
    }

    /** {@code 1982563} → {@code 1.98MB}: three significant digits, decimal units, no trailing zeros (docker images). */
    static String size(long bytes) {
        return size(bytes, 3);
    }

    /** go-units' HumanSizeWithPrecision: {@code significant} digits, decimal units, no trailing zeros. */
    static String size(double bytes, int significant) {
        double size = bytes;
        int unit = 0;
        while (size >= 1000 && unit < DECIMAL_UNITS.length - 1) {
            size /= 1000;
            unit++;
        }
        String number = new BigDecimal(size).round(new MathContext(significant)).stripTrailingZeros().toPlainString();
        return number + DECIMAL_UNITS[unit];
    }
}
