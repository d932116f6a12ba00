package dev.skiff.engine.distribution;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 7235): a scheme ({@code bearer}, {@code basic},
 * lower-cased) and its parameters ({@code realm}, {@code service}, {@code scope}; names lower-cased).
 */
record AuthChallenge(String scheme, Map<String, String> params) {

    AuthChallenge {
        params = Map.copyOf(params);
    }

    Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name));
    }

    /** All challenges in a header value; malformed text ends the parse with what was read so far. */
    static List<AuthChallenge> parse(String header) {
        List<AuthChallenge> out = new ArrayList<>();
        Parser p = new Parser(header);
        while (true) {
            p.skip(", \t");
            String scheme = p.token();
            if (scheme.isEmpty()) {
                return out;
            }
            Map<String, String> params = new LinkedHashMap<>();
            while (true) {
                p.skip(" \t");
                int mark = p.pos;
                String name = p.token();
                p.skip(" \t");
                if (name.isEmpty() || !p.take('=')) {
                    p.pos = mark; // the next challenge's scheme, or the end
                    break;
                }
                p.skip(" \t");
                params.put(name.toLowerCase(Locale.ROOT), p.peek('"') ? p.quoted() : p.token());
                p.skip(" \t");
                if (!p.take(',')) {
                    break;
                }
            }
            out.add(new AuthChallenge(scheme.toLowerCase(Locale.ROOT), params));
        }
    }

    private static final class Parser {
        final String s;
        int pos;

        Parser(String s) {
            this.s = s;
        }

        void skip(String chars) {
            while (pos < s.length() && chars.indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
        }

        boolean peek(char c) {
            return pos < s.length() && s.charAt(pos) == c;
        }

        boolean take(char c) {
            if (peek(c)) {
                pos++;
                return true;
            }
            return false;
        }

        String token() {
            int start = pos;
            while (pos < s.length() && "!#$%&'*+-.^_`|~".indexOf(s.charAt(pos)) >= 0
                    || pos < s.length() && Character.isLetterOrDigit(s.charAt(pos)) || pos < s.length() && s.charAt(pos) == '/'
                    || pos < s.length() && s.charAt(pos) == ':') {
                pos++;
            }
            return s.substring(start, pos);
        }

        String quoted() {
            pos++; // opening quote
            StringBuilder b = new StringBuilder();
            while (pos < s.length() && s.charAt(pos) != '"') {
                char c = s.charAt(pos++);
                if (c == '\\' && pos < s.length()) {
                    c = s.charAt(pos++);
                }
                b.append(c);
            }
            pos++; // closing quote
            return b.toString();
        }
    }
}
