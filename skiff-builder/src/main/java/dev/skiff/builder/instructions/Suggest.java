package dev.skiff.builder.instructions;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * BuildKit's "did you mean" helper: the option within edit distance 2 of a mistyped word, the
 * closest one winning. BuildKit walks a Go map, so among equally close options it picks at random;
 * we pick the first in the order given.
 */
final class Suggest {
    private static final int MAX_DISTANCE_EXCLUSIVE = 3;

    private Suggest() {
    }

    static Optional<String> nearest(String value, Collection<String> options, boolean caseSensitive) {
        String val = caseSensitive ? value : value.toLowerCase(Locale.ROOT);
        String match = null;
        int best = MAX_DISTANCE_EXCLUSIVE;
        for (String option : options) {
            String opt = caseSensitive ? option : option.toLowerCase(Locale.ROOT);
            if (val.equals(opt)) {
                return Optional.empty(); // the word is known: the error is about something else
            }
            int distance = levenshtein(val, opt);
            if (distance < best) {
                match = caseSensitive ? opt : matchCase(opt, value);
                best = distance;
            }
        }
        return Optional.ofNullable(match);
    }

    /** {@code message}, with " (did you mean X?)" when a close option exists. */
    static String withSuggestion(String message, String value, Collection<String> options, boolean caseSensitive) {
        return nearest(value, options, caseSensitive).map(m -> message + " (did you mean " + m + "?)").orElse(message);
    }

    private static String matchCase(String lowerOption, String original) {
        if (original.equals(original.toLowerCase(Locale.ROOT))) {
            return lowerOption;
        }
        if (original.equals(original.toUpperCase(Locale.ROOT))) {
            return lowerOption.toUpperCase(Locale.ROOT);
        }
        return lowerOption;
    }

    static int levenshtein(String a, String b) {
        int[] ca = a.codePoints().toArray();
        int[] cb = b.codePoints().toArray();
        int[] prev = new int[cb.length + 1];
        int[] cur = new int[cb.length + 1];
        for (int j = 0; j <= cb.length; j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= ca.length; i++) {
            cur[0] = i;
            for (int j = 1; j <= cb.length; j++) {
                int cost = ca[i - 1] == cb[j - 1] ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[cb.length];
    }
}
