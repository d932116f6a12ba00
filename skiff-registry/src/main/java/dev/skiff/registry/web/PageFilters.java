package dev.skiff.registry.web;

import io.pebbletemplates.pebble.extension.AbstractExtension;
import io.pebbletemplates.pebble.extension.Filter;
import io.pebbletemplates.pebble.template.EvaluationContext;
import io.pebbletemplates.pebble.template.PebbleTemplate;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pages' own filters: {@code bytes} (1.4 MB), {@code ago} (3 hours ago), {@code exact}
 * (2026-01-05 10:00:00 UTC) and {@code shortDigest} (sha256:9f86d081884c). Their output is escaped like any
 * other value.
 */
final class PageFilters extends AbstractExtension {
    private static final DateTimeFormatter EXACT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private final InstantSource clock;

    PageFilters(InstantSource clock) {
        this.clock = clock;
    }

    @Override
    public Map<String, Filter> getFilters() {
        return Map.of("bytes", filter(input -> input instanceof Number n ? bytes(n.longValue()) : ""),
                "ago", filter(input -> input instanceof Instant i ? ago(i, clock.instant()) : ""),
                "exact", filter(input -> input instanceof Instant i ? EXACT.format(i) : ""),
                "iso", filter(input -> input instanceof Instant i ? i.toString() : ""),
                "shortDigest", filter(input -> input == null ? "" : shortDigest(input.toString())));
    }

    private static Filter filter(java.util.function.Function<Object, String> f) {
        return new Filter() {
            @Override
            public List<String> getArgumentNames() {
                return List.of();
            }

            @Override
            public Object apply(Object input, Map<String, Object> args, PebbleTemplate self, EvaluationContext context,
                                int lineNumber) {
                return f.apply(input);
            }
        };
    }

    /** Decimal units, as docker and Docker Hub show sizes. */
    static String bytes(long n) {
        if (n < 1000) {
            return n + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB", "PB"};
        double v = n;
        int unit = -1;
        while (v >= 1000 && unit < units.length - 1) {
            v /= 1000;
            unit++;
        }
        return (v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v))
                + " " + units[unit];
    }

    static String ago(Instant then, Instant now) {
        Duration d = Duration.between(then, now);
        if (d.isNegative()) {
            return "in the future";
        }
        long s = d.toSeconds();
        if (s < 60) {
            return "just now";
        }
        if (s < 3600) {
            return plural(s / 60, "minute") + " ago";
        }
        if (s < 86_400) {
            return plural(s / 3600, "hour") + " ago";
        }
        if (s < 30 * 86_400L) {
            return plural(s / 86_400, "day") + " ago";
        }
        if (s < 365 * 86_400L) {
            return plural(s / (30 * 86_400L), "month") + " ago";
        }
        return plural(s / (365 * 86_400L), "year") + " ago";
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }

    static String shortDigest(String digest) {
        int colon = digest.indexOf(':');
        return colon >= 0 && digest.length() > colon + 13 ? digest.substring(0, colon + 13) : digest;
    }
}
