package dev.skiff.engine.images;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Dockerfile word handling as BuildKit's shell lexer does it, for the instructions a {@code --change}
 * allows: splitting on unquoted white space, then removing quotes and expanding {@code $VAR},
 * {@code ${VAR}}, {@code ${VAR:-default}} and {@code ${VAR:+alternative}} from the image's environment.
 */
final class Words {

    /** Splits on white space outside quotes; quotes and escapes stay, for {@link #process} to read. */
    static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote == 0 && Character.isWhitespace(c)) {
                if (!word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                }
                continue;
            }
            word.append(c);
            if (c == '\\' && quote != '\'' && i + 1 < text.length()) {
                word.append(text.charAt(++i));
            } else if (quote == 0 && (c == '"' || c == '\'')) {
                quote = c;
            } else if (c == quote) {
                quote = 0;
            }
        }
        if (!word.isEmpty()) {
            words.add(word.toString());
        }
        return words;
    }

    /** Removes quotes and escapes and expands variables, as for one word. */
    static String process(String word, Map<String, String> env) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        int n = word.length();
        while (i < n) {
            char c = word.charAt(i);
            if (c == '\'') {
                int end = word.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new InvalidChangeException("unexpected end of statement while looking for matching "
                            + "single-quote in: " + word);
                }
                out.append(word, i + 1, end);
                i = end + 1;
            } else if (c == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new InvalidChangeException("unexpected end of statement while looking for matching "
                                + "double-quote in: " + word);
                    }
                    char d = word.charAt(i);
                    if (d == '"') {
                        i++;
                        break;
                    }
                    if (d == '\\' && i + 1 < n && "\"$\\".indexOf(word.charAt(i + 1)) >= 0) {
                        out.append(word.charAt(i + 1));
                        i += 2;
                    } else if (d == '$') {
                        i = expand(word, i, env, out);
                    } else {
                        out.append(d);
                        i++;
                    }
                }
            } else if (c == '\\') {
                if (i + 1 < n) {
                    out.append(word.charAt(i + 1));
                    i += 2;
                } else {
                    out.append(c);
                    i++;
                }
            } else if (c == '$') {
                i = expand(word, i, env, out);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Expands the variable at {@code word[dollar]}; returns the index after it. */
    private static int expand(String word, int dollar, Map<String, String> env, StringBuilder out) {
        int i = dollar + 1;
        if (i < word.length() && word.charAt(i) == '{') {
            int close = word.indexOf('}', i);
            if (close < 0) {
                throw new InvalidChangeException("missing '}' in: " + word);
            }
            String inner = word.substring(i + 1, close);
            int nameEnd = nameEnd(inner, 0);
            String name = inner.substring(0, nameEnd);
            if (name.isEmpty()) {
                throw new InvalidChangeException("bad substitution in: " + word);
            }
            String value = env.get(name);
            String rest = inner.substring(nameEnd);
            if (rest.isEmpty()) {
                out.append(value == null ? "" : value);
            } else if (rest.startsWith(":-") || rest.startsWith("-")) {
                boolean colon = rest.startsWith(":");
                boolean useDefault = value == null || (colon && value.isEmpty());
                out.append(useDefault ? process(rest.substring(colon ? 2 : 1), env) : value);
            } else if (rest.startsWith(":+") || rest.startsWith("+")) {
                boolean colon = rest.startsWith(":");
                boolean set = value != null && !(colon && value.isEmpty());
                out.append(set ? process(rest.substring(colon ? 2 : 1), env) : "");
            } else {
                throw new InvalidChangeException("unsupported modifier (" + rest + ") in substitution: " + word);
            }
            return close + 1;
        }
        int end = nameEnd(word, i);
        if (end == i) {
            out.append('$');
            return i;
        }
        String value = env.get(word.substring(i, end));
        out.append(value == null ? "" : value);
        return end;
    }

    private static int nameEnd(String s, int from) {
        int i = from;
        while (i < s.length()) {
            char c = s.charAt(i);
            boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > from && c >= '0' && c <= '9');
            if (!ok) {
                break;
            }
            i++;
        }
        return i;
    }

    private Words() {
    }
}
