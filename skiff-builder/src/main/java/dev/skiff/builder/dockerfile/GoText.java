package dev.skiff.builder.dockerfile;

/**
 * The few pieces of Go's text handling whose exact behaviour BuildKit's parser and dump depend on,
 * where Java's nearest equivalent differs: {@code unicode.IsSpace} (Java's
 * {@link Character#isWhitespace} leaves out no-break spaces and takes in U+001C..U+001F), and
 * {@code strconv.Quote}, which Java has nothing like.
 */
final class GoText {
    private GoText() {
    }

    /** Go's {@code unicode.IsSpace}: ASCII blanks, NEL, NBSP and the Unicode space separators. */
    static boolean isSpace(int cp) {
        if (cp < 0x80) {
            return cp == ' ' || (cp >= '\t' && cp <= '\r');
        }
        return cp == 0x85 || cp == 0xA0 || Character.getType(cp) == Character.SPACE_SEPARATOR
                || cp == 0x2028 || cp == 0x2029;
    }

    /** Go's {@code strings.TrimSpace}. */
    static String trimSpace(String s) {
        return trimRightSpace(trimLeftSpace(s));
    }

    static String trimLeftSpace(String s) {
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!isSpace(cp)) {
                break;
            }
            i += Character.charCount(cp);
        }
        return s.substring(i);
    }

    static String trimRightSpace(String s) {
        int end = s.length();
        while (end > 0) {
            int cp = s.codePointBefore(end);
            if (!isSpace(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    /**
     * Go's {@code strings.ToLower}: each code point's simple lower-case mapping, so that, unlike
     * {@code String.toLowerCase}, no character turns into two and no context is looked at.
     */
    static String toLower(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> out.appendCodePoint(Character.toLowerCase(cp)));
        return out.toString();
    }

    /** The blanks BuildKit's {@code [\t\v\f\r ]+} splits on (no newline, nothing beyond ASCII). */
    static boolean isAsciiBlank(char c) {
        return c == ' ' || c == '\t' || c == 0x0B || c == '\f' || c == '\r';
    }

    /**
     * Go's {@code strconv.Quote}: double quotes, backslash escapes for {@code "} and {@code \},
     * short escapes for the C control characters, {@code \xNN} for other ASCII controls and DEL,
     * printable characters as they are, and {@code \\uNNNN}/{@code \UNNNNNNNN} for the rest.
     * A lone surrogate (which a decoded UTF-8 text cannot hold) is written as U+FFFD would be.
     */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2);
        out.append('"');
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '"' || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
            } else if (isPrint(cp)) {
                out.appendCodePoint(cp);
            } else {
                switch (cp) {
                    case 0x07 -> out.append("\\a");
                    case '\b' -> out.append("\\b");
                    case '\f' -> out.append("\\f");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    case 0x0B -> out.append("\\v");
                    default -> {
                        if (cp < ' ' || cp == 0x7F) {
                            out.append("\\x").append(hex(cp, 2));
                        } else if (Character.isSurrogate((char) cp)) {
                            out.appendCodePoint(0xFFFD);
                        } else if (cp < 0x10000) {
                            out.append("\\u").append(hex(cp, 4));
                        } else {
                            out.append("\\U").append(hex(cp, 8));
                        }
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Go's {@code %q} of a string slice: {@code ["a" "b"]}. */
    static String quoteList(java.util.List<String> list) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                out.append(' ');
            }
            out.append(quote(list.get(i)));
        }
        return out.append(']').toString();
    }

    /** Go's {@code strconv.IsPrint}: letters, marks, numbers, punctuation, symbols and ASCII space. */
    static boolean isPrint(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER,
                 Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                 Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER,
                 Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION,
                 Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL,
                 Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }

    private static String hex(int value, int digits) {
        String h = Integer.toHexString(value);
        return "0".repeat(Math.max(0, digits - h.length())) + h;
    }
}
