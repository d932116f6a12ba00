package dev.skiff.builder.dockerfile;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the JSON (exec) form of instruction arguments, {@code ["executable", "param"]}, accepting
 * and refusing exactly what Go's {@code encoding/json} does for BuildKit: the whole text must be one
 * valid JSON value with nothing after it but JSON whitespace. Text that is not valid JSON is not an
 * error here; the instruction then takes it as plain text.
 */
final class JsonArgs {

    /** The outcome: not JSON at all, a valid array holding something other than strings, or the strings. */
    sealed interface Result {
        record NotJson() implements Result {
        }

        record NotAllStrings() implements Result {
        }

        record Strings(List<String> values) implements Result {
        }
    }

    private static final Object NOT_A_STRING = new Object();

    private final String text;
    private int pos;

    private JsonArgs(String text) {
        this.text = text;
    }

    /** Reads {@code text}, which BuildKit only tries when it starts with {@code [}. */
    static Result read(String text) {
        JsonArgs reader = new JsonArgs(text);
        List<Object> items;
        try {
            reader.skipWhitespace();
            if (!reader.peekIs('[')) {
                return new Result.NotJson();
            }
            items = reader.array();
            reader.skipWhitespace();
            if (reader.pos != text.length()) {
                return new Result.NotJson();
            }
        } catch (Invalid e) {
            return new Result.NotJson();
        }
        List<String> strings = new ArrayList<>(items.size());
        for (Object item : items) {
            if (!(item instanceof String s)) {
                return new Result.NotAllStrings();
            }
            strings.add(s);
        }
        return new Result.Strings(strings);
    }

    /** Not valid JSON; carries no stack trace because it only ever means "treat as text". */
    private static final class Invalid extends Exception {
        Invalid() {
            super(null, null, false, false);
        }
    }

    private boolean peekIs(char c) {
        return pos < text.length() && text.charAt(pos) == c;
    }

    private void expect(char c) throws Invalid {
        if (!peekIs(c)) {
            throw new Invalid();
        }
        pos++;
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    /** A value; strings come back as String, anything else as a marker (its content is never used). */
    private Object value() throws Invalid {
        skipWhitespace();
        if (pos >= text.length()) {
            throw new Invalid();
        }
        char c = text.charAt(pos);
        switch (c) {
            case '"' -> {
                return string();
            }
            case '[' -> {
                array();
                return NOT_A_STRING;
            }
            case '{' -> {
                object();
                return NOT_A_STRING;
            }
            case 't' -> literal("true");
            case 'f' -> literal("false");
            case 'n' -> literal("null");
            default -> number();
        }
        return NOT_A_STRING;
    }

    private List<Object> array() throws Invalid {
        expect('[');
        List<Object> items = new ArrayList<>();
        skipWhitespace();
        if (peekIs(']')) {
            pos++;
            return items;
        }
        while (true) {
            items.add(value());
            skipWhitespace();
            if (peekIs(',')) {
                pos++;
            } else {
                expect(']');
                return items;
            }
        }
    }

    private void object() throws Invalid {
        expect('{');
        skipWhitespace();
        if (peekIs('}')) {
            pos++;
            return;
        }
        while (true) {
            skipWhitespace();
            if (!peekIs('"')) {
                throw new Invalid();
            }
            string();
            skipWhitespace();
            expect(':');
            value();
            skipWhitespace();
            if (peekIs(',')) {
                pos++;
            } else {
                expect('}');
                return;
            }
        }
    }

    private void literal(String word) throws Invalid {
        if (!text.startsWith(word, pos)) {
            throw new Invalid();
        }
        pos += word.length();
    }

    private void number() throws Invalid {
        if (peekIs('-')) {
            pos++;
        }
        if (peekIs('0')) {
            pos++;
        } else if (digits() == 0) {
            throw new Invalid();
        }
        if (peekIs('.')) {
            pos++;
            if (digits() == 0) {
                throw new Invalid();
            }
        }
        if (peekIs('e') || peekIs('E')) {
            pos++;
            if (peekIs('+') || peekIs('-')) {
                pos++;
            }
            if (digits() == 0) {
                throw new Invalid();
            }
        }
    }

    private int digits() {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        return pos - start;
    }

    private String string() throws Invalid {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw new Invalid();
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                throw new Invalid();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (pos >= text.length()) {
                throw new Invalid();
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> out.append(e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    char unit = hex4();
                    if (Character.isHighSurrogate(unit) && text.startsWith("\\u", pos)) {
                        int save = pos;
                        pos += 2;
                        char low = hex4();
                        if (Character.isLowSurrogate(low)) {
                            out.append(unit).append(low);
                        } else {
                            // Go keeps the second escape for the next round and writes U+FFFD here.
                            pos = save;
                            out.append('\uFFFD');
                        }
                    } else if (Character.isSurrogate(unit)) {
                        out.append('\uFFFD');
                    } else {
                        out.append(unit);
                    }
                }
                default -> throw new Invalid();
            }
        }
    }

    private char hex4() throws Invalid {
        if (pos + 4 > text.length()) {
            throw new Invalid();
        }
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos + i), 16);
            if (d < 0 || text.charAt(pos + i) > 'f') {
                throw new Invalid();
            }
            value = value * 16 + d;
        }
        pos += 4;
        return (char) value;
    }
}
