package dev.skiff.builder.context;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One compiled {@code .dockerignore} pattern, as moby/patternmatcher compiles it: {@code *} and
 * {@code ?} stay within one path element, {@code **} crosses elements, {@code [...]} is a character
 * class, {@code \} escapes. Simple shapes skip the regular expression: an exact path, a
 * {@code dir/**} prefix, a {@code **}{@code /name} suffix.
 *
 * <p>patternmatcher hands the text inside {@code [...]} to Go's regexp as it is; here a class is
 * read as Go's {@code filepath.Match} reads it (which patternmatcher uses to validate patterns) and
 * every member is quoted, so Java's own class syntax ({@code &&}, nested {@code [}) never applies.
 * patternmatcher also leaves {@code ^} unescaped (an anchor that never matches mid-path); here it
 * is an ordinary character.
 */
record IgnorePattern(String cleaned, boolean exclusion, List<String> dirs, Kind kind, Pattern regex) {
    enum Kind { EXACT, PREFIX, SUFFIX, REGEX }

    /** A class or escape that {@code filepath.Match} would refuse. */
    static final class BadPattern extends Exception {
        BadPattern() {
            super("syntax error in pattern", null, false, false);
        }
    }

    static IgnorePattern compile(String cleaned, boolean exclusion) throws BadPattern {
        int[] cps = cleaned.codePoints().toArray();
        StringBuilder re = new StringBuilder();
        Kind kind = Kind.EXACT;
        int i = 0;
        for (int iteration = 0; i < cps.length; iteration++) {
            int ch = cps[i++];
            if (ch == '*') {
                if (i < cps.length && cps[i] == '*') {
                    i++;
                    if (i < cps.length && cps[i] == '/') {
                        i++;
                    }
                    if (i == cps.length) {
                        if (kind == Kind.EXACT) {
                            kind = Kind.PREFIX;
                        } else {
                            re.append(".*");
                            kind = Kind.REGEX;
                        }
                    } else {
                        re.append("(?:.*/)?");
                        kind = Kind.REGEX;
                    }
                    if (iteration == 0) {
                        kind = Kind.SUFFIX;
                    }
                } else {
                    re.append("[^/]*");
                    kind = Kind.REGEX;
                }
            } else if (ch == '?') {
                re.append("[^/]");
                kind = Kind.REGEX;
            } else if (ch == '\\') {
                if (i < cps.length) {
                    quote(re, cps[i++]);
                    kind = Kind.REGEX;
                } else {
                    throw new BadPattern(); // filepath.Match: an escape needs a character after it
                }
            } else if (ch == '[') {
                i = characterClass(cps, i, re);
                kind = Kind.REGEX;
            } else if (ch == ']') {
                quote(re, ch);
                kind = Kind.REGEX;
            } else {
                quote(re, ch);
            }
        }
        Pattern regex = kind == Kind.REGEX ? Pattern.compile(re.toString()) : null;
        return new IgnorePattern(cleaned, exclusion, Arrays.asList(cleaned.split("/", -1)), kind, regex);
    }

    /**
     * Reads a class after its {@code [} as {@code filepath.Match} does and appends it as a Java
     * class; gives the index after the closing {@code ]}.
     */
    private static int characterClass(int[] cps, int i, StringBuilder re) throws BadPattern {
        re.append('[');
        if (i < cps.length && cps[i] == '^') {
            re.append('^');
            i++;
        }
        int ranges = 0;
        while (true) {
            if (i < cps.length && cps[i] == ']' && ranges > 0) {
                re.append(']');
                return i + 1;
            }
            int[] lo = escaped(cps, i);
            i = lo[1];
            quoteInClass(re, lo[0]);
            if (i < cps.length && cps[i] == '-') {
                int[] hi = escaped(cps, i + 1);
                i = hi[1];
                if (hi[0] < lo[0]) {
                    throw new BadPattern();
                }
                re.append('-');
                quoteInClass(re, hi[0]);
            }
            ranges++;
        }
    }

    /** One class member: a character or an escaped one; {@code -} and {@code ]} must be escaped. */
    private static int[] escaped(int[] cps, int i) throws BadPattern {
        if (i >= cps.length || cps[i] == '-' || cps[i] == ']') {
            throw new BadPattern();
        }
        if (cps[i] == '\\') {
            i++;
            if (i >= cps.length) {
                throw new BadPattern();
            }
        }
        return new int[] {cps[i], i + 1};
    }

    private static void quote(StringBuilder re, int cp) {
        if (cp < 128 && Character.isLetterOrDigit(cp) || cp == '/' || cp == '_') {
            re.appendCodePoint(cp);
        } else {
            re.append("\\x{").append(Integer.toHexString(cp)).append('}');
        }
    }

    private static void quoteInClass(StringBuilder re, int cp) {
        re.append("\\x{").append(Integer.toHexString(cp)).append('}');
    }

    boolean matches(String path) {
        return switch (kind) {
            case EXACT -> path.equals(cleaned);
            case PREFIX -> path.startsWith(cleaned.substring(0, cleaned.length() - 2));
            case SUFFIX -> {
                String suffix = cleaned.substring(2);
                yield path.endsWith(suffix) || suffix.startsWith("/") && path.equals(suffix.substring(1));
            }
            case REGEX -> regex.matcher(path).matches();
        };
    }

    /** The pattern without a trailing {@code /**} or {@code /*}, as BuildKit's walker compares it. */
    String withoutTrailingGlob() {
        String p = cleaned;
        if (p.endsWith("/**")) {
            p = p.substring(0, p.length() - 3);
        }
        if (p.endsWith("/*")) {
            p = p.substring(0, p.length() - 2);
        }
        return p;
    }
}
