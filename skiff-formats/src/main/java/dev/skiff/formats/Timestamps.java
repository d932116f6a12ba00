package dev.skiff.formats;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The times docker's {@code --since}, {@code --until} and {@code until=} filters take (its
 * {@code api/types/time} GetTimestamp): a Go duration before now ({@code 10m}, {@code 1h30m}), an
 * RFC 3339 date or date-time (UTC when it names no zone), or Unix seconds with optional fraction
 * ({@code 1795814236.578261550}), which is what the CLI sends the daemon.
 */
public final class Timestamps {
    private static final Pattern UNIX = Pattern.compile("(\\d+)(?:\\.(\\d{1,9}))?");
    private static final Pattern DURATION = Pattern.compile("([0-9]*(?:\\.[0-9]*)?)(ns|us|µs|ms|s|m|h)");

    private Timestamps() {
    }

    /**
     * @throws FormatException with docker's {@code failed to parse value as time or duration: "x"}
     */
    public static Instant parse(String value, Instant now) {
        String v = value.strip();
        if (!v.equals("0")) {
            Duration d = goDuration(v);
            if (d != null) {
                return now.minus(d);
            }
        }
        if (v.contains("-") || v.contains("T")) {
            Instant t = dateTime(v);
            if (t != null) {
                return t;
            }
        } else {
            Matcher m = UNIX.matcher(v);
            if (m.matches()) {
                long seconds = Long.parseLong(m.group(1));
                long nanos = m.group(2) == null ? 0 : Long.parseLong((m.group(2) + "00000000").substring(0, 9));
                return Instant.ofEpochSecond(seconds, nanos);
            }
        }
        throw new FormatException("failed to parse value as time or duration: \"" + value + "\"");
    }

    /** The form the docker CLI sends the daemon: {@code seconds.nanoseconds}. */
    public static String unix(Instant t) {
        return String.format("%d.%09d", t.getEpochSecond(), t.getNano());
    }

    /** Go's time.ParseDuration for non-negative durations; null when {@code text} is not one. */
    static Duration goDuration(String text) {
        if (text.isEmpty()) {
            return null;
        }
        Matcher m = DURATION.matcher(text);
        int pos = 0;
        BigDecimal nanos = BigDecimal.ZERO;
        while (pos < text.length()) {
            if (!m.find(pos) || m.start() != pos || m.group(1).isEmpty() || m.group(1).equals(".")) {
                return null;
            }
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)));
            pos = m.end();
        }
        return Duration.ofNanos(nanos.longValue());
    }

    private static Instant dateTime(String v) {
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException ignored) {
            // not with a zone
        }
        try {
            return LocalDateTime.parse(v).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            // not a local date-time with seconds
        }
        try {
            if (v.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}")) {
                return LocalDateTime.parse(v + ":00").toInstant(ZoneOffset.UTC);
            }
            return LocalDate.parse(v).atStartOfDay().toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            return null;
        }
    }
}
