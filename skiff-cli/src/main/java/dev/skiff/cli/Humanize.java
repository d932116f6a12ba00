package dev.skiff.cli;

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
        long seconds = d.toSeconds();
        if (seconds < 1) {
            return "Less than a second";
        } else if (seconds == 1) {
            return "1 second";
        } else if (seconds < 60) {
            return seconds + " seconds";
        }
        long minutes = d.toMinutes();
        if (minutes == 1) {
            return "About a minute";
        } else if (minutes < 60) {
            return minutes + " minutes";
        }
        long hours = Math.round(d.toMillis() / 3_600_000.0);
        if (hours == 1) {
            return "About an hour";
        } else if (hours < 48) {
            return hours + " hours";
        } else if (hours < 24 * 7 * 2) {
            return hours / 24 + " days";
        } else if (hours < 24 * 30 * 2) {
            return hours / 24 / 7 + " weeks";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 / 30 + " months";
        }
        return d.toHours() / 24 / 365 + " years";
    }

    /** {@code 1982563} → {@code 1.98MB}: three significant digits, decimal units, no trailing zeros. */
    static String size(long bytes) {
        return size(bytes, 3);
    }

    /** go-units HumanSizeWithPrecision: {@code precision} significant digits ({@code docker system df} uses 4). */
    static String size(long bytes, int precision) {
        double size = bytes;
        int unit = 0;
        while (size >= 1000 && unit < DECIMAL_UNITS.length - 1) {
            size /= 1000;
            unit++;
        }
        String number = new BigDecimal(size).round(new MathContext(precision)).stripTrailingZeros().toPlainString();
        return number + DECIMAL_UNITS[unit];
    }
}
