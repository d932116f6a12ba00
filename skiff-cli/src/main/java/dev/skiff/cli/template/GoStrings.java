package dev.skiff.cli.template;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/** Go's literal syntax (strconv.Unquote, number constants) and the string functions docker's formats use. */
public final class GoStrings {
    private GoStrings() {
    }

    /** Go's strconv.Quote, for the CLI's own fields that docker quotes (ps's COMMAND). */
    public static String quote(String s) {
        return GoFormat.quote(s);
    }

    /** Go's strconv.Unquote for "...", `...` and '...' literals; throws with Go's "invalid syntax". */
    static String unquote(String quoted) {
        char q = quoted.charAt(0);
        if (quoted.length() < 2 || quoted.charAt(quoted.length() - 1) != q) {
            throw new IllegalArgumentException("invalid syntax");
        }
        String body = quoted.substring(1, quoted.length() - 1);
        if (q == '`') {
            return body.replace("\r", "");
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < body.length(); ) {
            char c = body.charAt(i++);
            if (c == q || c == '\n') {
                throw new IllegalArgumentException("invalid syntax");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (i >= body.length()) {
                throw new IllegalArgumentException("invalid syntax");
            }
            char e = body.charAt(i++);
            switch (e) {
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case '\\' -> out.append('\\');
                case '\'', '"' -> {
                    if (e != q) {
                        throw new IllegalArgumentException("invalid syntax");
                    }
                    out.append(e);
                }
                case 'x', 'u', 'U' -> {
                    int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    int cp = hex(body, i, n);
                    i += n;
                    if (cp > Character.MAX_CODE_POINT || (e != 'x' && cp >= 0xD800 && cp <= 0xDFFF)) {
                        throw new IllegalArgumentException("invalid syntax");
                    }
                    out.appendCodePoint(cp);
                }
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    if (i + 2 > body.length()) {
                        throw new IllegalArgumentException("invalid syntax");
                    }
                    int v = 0;
                    for (int k = i - 1; k < i + 2; k++) {
                        char d = body.charAt(k);
                        if (d < '0' || d > '7') {
                            throw new IllegalArgumentException("invalid syntax");
                        }
                        v = v * 8 + (d - '0');
                    }
                    if (v > 255) {
                        throw new IllegalArgumentException("invalid syntax");
                    }
                    i += 2;
                    out.append((char) v);
                }
                default -> throw new IllegalArgumentException("invalid syntax");
            }
        }
        if (q == '\'' && out.codePointCount(0, out.length()) != 1) {
            throw new IllegalArgumentException("invalid syntax");
        }
        return out.toString();
    }

    private static int hex(String s, int at, int n) {
        if (at + n > s.length()) {
            throw new IllegalArgumentException("invalid syntax");
        }
        try {
            return Integer.parseUnsignedInt(s.substring(at, at + n), 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid syntax");
        }
    }

    /**
     * A number constant: an {@code Integer} or {@code Long} if it is an integer (Go's untyped int), else a
     * {@code Double}. Accepts Go's 0x, 0o, 0b prefixes and digit separators.
     */
    static Number parseNumber(String text) {
        String t = text.replace("_", "");
        boolean negative = t.startsWith("-");
        String digits = t.startsWith("-") || t.startsWith("+") ? t.substring(1) : t;
        try {
            BigInteger n = integer(digits);
            if (n != null) {
                if (negative) {
                    n = n.negate();
                }
                if (n.bitLength() < 32) {
                    return n.intValue();
                }
                if (n.bitLength() < 64) {
                    return n.longValue();
                }
                throw new IllegalArgumentException("integer overflow: " + GoFormat.quote(text));
            }
            if (!digits.isEmpty() && !digits.endsWith("i")) {
                double d = Double.parseDouble(t);
                if (!Double.isInfinite(d)) {
                    return d;
                }
            }
        } catch (NumberFormatException e) {
            // fall through to Go's message
        }
        throw new IllegalArgumentException("illegal number syntax: " + GoFormat.quote(text));
    }

    private static BigInteger integer(String d) {
        int radix = 10;
        String body = d;
        String lower = d.toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("0x")) {
            radix = 16;
            body = d.substring(2);
        } else if (lower.startsWith("0o")) {
            radix = 8;
            body = d.substring(2);
        } else if (lower.startsWith("0b")) {
            radix = 2;
            body = d.substring(2);
        } else if (d.length() > 1 && d.startsWith("0") && d.chars().allMatch(Character::isDigit)) {
            radix = 8;
            body = d.substring(1);
        }
        int base = radix;
        if (body.isEmpty() || !body.chars().allMatch(c -> Character.digit(c, base) >= 0)) {
            return null;
        }
        return new BigInteger(body, radix);
    }

    /** Go's strings.Title: upper-cases the first letter of each word. */
    static String title(String s) {
        StringBuilder out = new StringBuilder();
        int prev = ' ';
        for (int i = 0; i < s.length(); ) {
            int r = s.codePointAt(i);
            i += Character.charCount(r);
            out.appendCodePoint(isSeparator(prev) ? Character.toTitleCase(r) : r);
            prev = r;
        }
        return out.toString();
    }

    private static boolean isSeparator(int r) {
        if (r <= 0x7F) {
            return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_');
        }
        if (Character.isLetter(r) || Character.isDigit(r)) {
            return false;
        }
        return Character.isWhitespace(r) || Character.isSpaceChar(r);
    }

    /** Go's strings.Split: an empty separator splits into characters. */
    static java.util.List<Object> split(String s, String sep) {
        java.util.List<Object> out = new java.util.ArrayList<>();
        if (sep.isEmpty()) {
            s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
            return out;
        }
        int from = 0;
        while (true) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                out.add(s.substring(from));
                return out;
            }
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
    }

    static int byteLength(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
