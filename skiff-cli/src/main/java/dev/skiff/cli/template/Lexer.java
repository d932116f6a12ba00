package dev.skiff.cli.template;

import dev.skiff.cli.template.Token.Type;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Splits a template into tokens the way Go's text/template lexer does: text outside {@code {{ }}},
 * trim markers ({@code {{- } and { -}}}), comments, and the words of actions. The whole input is
 * tokenized up front; the first lexical error becomes an {@link Type#ERROR} token and ends the list,
 * so the parser reports it at the point where Go's would.
 */
final class Lexer {
    private static final String LEFT_DELIM = "{{";
    private static final String RIGHT_DELIM = "}}";
    private static final Map<String, Type> KEYWORDS = Map.ofEntries(
            Map.entry(".", Type.DOT), Map.entry("block", Type.BLOCK), Map.entry("break", Type.BREAK),
            Map.entry("continue", Type.CONTINUE), Map.entry("define", Type.DEFINE), Map.entry("else", Type.ELSE),
            Map.entry("end", Type.END), Map.entry("if", Type.IF), Map.entry("range", Type.RANGE),
            Map.entry("nil", Type.NIL), Map.entry("template", Type.TEMPLATE), Map.entry("with", Type.WITH));

    private final String in;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private int start;
    private int parenDepth;
    private boolean inAction;

    private Lexer(String in) {
        this.in = in;
    }

    static List<Token> lex(String input) {
        Lexer l = new Lexer(input);
        l.run();
        return l.tokens;
    }

    private void run() {
        while (inAction ? lexInsideAction() : lexText()) {
            // each step emits at most one token; false means EOF or an error
        }
    }

    /** Scans text up to the next action; returns false once the input is done. */
    private boolean lexText() {
        int x = in.indexOf(LEFT_DELIM, pos);
        if (x < 0) {
            if (in.length() > start) {
                emit(Type.TEXT, start, in.length());
            }
            emit(Type.EOF, in.length(), in.length());
            return false;
        }
        int delimEnd = x + LEFT_DELIM.length();
        boolean trim = hasLeftTrimMarker(delimEnd);
        int textEnd = trim ? rightTrimmed(start, x) : x;
        boolean emittedText = textEnd > start;
        if (emittedText) {
            emit(Type.TEXT, start, textEnd);
        }
        pos = delimEnd + (trim ? 2 : 0);
        if (in.startsWith("/*", pos)) {
            return lexComment();
        }
        emit(Type.LEFT_DELIM, x, pos);
        parenDepth = 0;
        inAction = true;
        return true;
    }

    private boolean lexComment() {
        int end = in.indexOf("*/", pos + 2);
        if (end < 0) {
            return error("unclosed comment");
        }
        pos = end + 2;
        int delim = atRightDelim();
        if (delim < 0) {
            return error("comment ends before closing delimiter");
        }
        pos += delim + RIGHT_DELIM.length();
        if (delim > 0) {
            pos = leftTrimmed(pos);
        }
        start = pos;
        return true;
    }

    /** Scans one token inside an action; returns false after an error. */
    private boolean lexInsideAction() {
        int delim = atRightDelim();
        if (delim >= 0) {
            if (parenDepth != 0) {
                return error("unclosed left paren");
            }
            int delimStart = pos + delim;
            pos = delimStart + RIGHT_DELIM.length();
            emit(Type.RIGHT_DELIM, delimStart, pos);
            inAction = false;
            if (delim > 0) {
                pos = leftTrimmed(pos);
            }
            start = pos;
            return true;
        }
        if (pos >= in.length()) {
            return error("unclosed action");
        }
        int r = in.codePointAt(pos);
        pos += Character.charCount(r);
        switch (r) {
            case ' ', '\t', '\r', '\n' -> {
                return lexSpace();
            }
            case '=' -> emit(Type.ASSIGN, start, pos);
            case ':' -> {
                if (pos >= in.length() || in.charAt(pos) != '=') {
                    return error("expected :=");
                }
                pos++;
                emit(Type.DECLARE, start, pos);
            }
            case '|' -> emit(Type.PIPE, start, pos);
            case '"' -> {
                return lexQuote('"', Type.STRING, "unterminated quoted string");
            }
            case '\'' -> {
                return lexQuote('\'', Type.CHAR_CONSTANT, "unterminated character constant");
            }
            case '`' -> {
                int end = in.indexOf('`', pos);
                if (end < 0) {
                    return error("unterminated raw quoted string");
                }
                pos = end + 1;
                emit(Type.RAW_STRING, start, pos);
            }
            case '$' -> {
                return lexFieldOrVariable(Type.VARIABLE);
            }
            case '(' -> {
                emit(Type.LEFT_PAREN, start, pos);
                parenDepth++;
            }
            case ')' -> {
                parenDepth--;
                if (parenDepth < 0) {
                    return error("unexpected right paren");
                }
                emit(Type.RIGHT_PAREN, start, pos);
            }
            default -> {
                if (r == '.' && pos < in.length() && !isDigit(in.charAt(pos))) {
                    return lexFieldOrVariable(Type.FIELD);
                }
                if (r == '.' || r == '+' || r == '-' || isDigit(r)) {
                    pos = start;
                    return lexNumber();
                }
                if (isAlphaNumeric(r)) {
                    return lexIdentifier();
                }
                if (r < 0x7f && r >= 0x20) {
                    emit(Type.CHAR, start, pos);
                } else {
                    return error("unrecognized character in action: " + GoFormat.unicodeName(r));
                }
            }
        }
        return true;
    }

    private boolean lexSpace() {
        int spaces = 1;
        while (pos < in.length() && isSpace(in.charAt(pos))) {
            pos++;
            spaces++;
        }
        // " -}}" closes the action with a trim marker: leave its space for atRightDelim to see.
        if (in.startsWith("-" + RIGHT_DELIM, pos)) {
            pos--;
            if (spaces == 1) {
                start = pos;
                return true;
            }
        }
        emit(Type.SPACE, start, pos);
        return true;
    }

    private boolean lexQuote(char quote, Type type, String unterminated) {
        while (true) {
            if (pos >= in.length()) {
                return error(unterminated);
            }
            char c = in.charAt(pos++);
            if (c == '\\') {
                if (pos >= in.length() || in.charAt(pos) == '\n') {
                    return error(unterminated);
                }
                pos++;
            } else if (c == '\n') {
                return error(unterminated);
            } else if (c == quote) {
                emit(type, start, pos);
                return true;
            }
        }
    }

    private boolean lexIdentifier() {
        while (pos < in.length() && isAlphaNumeric(in.codePointAt(pos))) {
            pos += Character.charCount(in.codePointAt(pos));
        }
        if (!atTerminator()) {
            return error("bad character " + GoFormat.unicodeName(in.codePointAt(pos)));
        }
        String word = in.substring(start, pos);
        Type keyword = KEYWORDS.get(word);
        if (keyword != null) {
            emit(keyword, start, pos);
        } else if (word.equals("true") || word.equals("false")) {
            emit(Type.BOOL, start, pos);
        } else {
            emit(Type.IDENTIFIER, start, pos);
        }
        return true;
    }

    /** A field (.Name) or variable ($name); a lone "." is the dot and a lone "$" the root variable. */
    private boolean lexFieldOrVariable(Type type) {
        if (atTerminator()) {
            emit(type == Type.VARIABLE ? Type.VARIABLE : Type.DOT, start, pos);
            return true;
        }
        while (pos < in.length() && isAlphaNumeric(in.codePointAt(pos))) {
            pos += Character.charCount(in.codePointAt(pos));
        }
        if (!atTerminator()) {
            return error("bad character " + GoFormat.unicodeName(in.codePointAt(pos)));
        }
        emit(type, start, pos);
        return true;
    }

    private boolean lexNumber() {
        if (!scanNumber()) {
            return error("bad number syntax: " + GoFormat.quote(in.substring(start, pos)));
        }
        if (pos < in.length() && (in.charAt(pos) == '+' || in.charAt(pos) == '-')) {
            // Go's complex constants (1+2i): not supported by docker's functions, so refused here.
            scanNumber();
            return error("bad number syntax: " + GoFormat.quote(in.substring(start, pos)));
        }
        emit(Type.NUMBER, start, pos);
        return true;
    }

    private boolean scanNumber() {
        accept("+-");
        String digits = "0123456789_";
        String exponent = "eE";
        if (accept("0")) {
            if (accept("xX")) {
                digits = "0123456789abcdefABCDEF_";
                exponent = "pP";
            } else if (accept("oO")) {
                digits = "01234567_";
            } else if (accept("bB")) {
                digits = "01_";
            }
        }
        acceptRun(digits);
        if (accept(".")) {
            acceptRun(digits);
        }
        if (accept(exponent)) {
            accept("+-");
            acceptRun("0123456789_");
        }
        accept("i");
        if (pos < in.length() && isAlphaNumeric(in.codePointAt(pos))) {
            pos += Character.charCount(in.codePointAt(pos));
            return false;
        }
        return true;
    }

    private boolean accept(String valid) {
        if (pos < in.length() && valid.indexOf(in.charAt(pos)) >= 0) {
            pos++;
            return true;
        }
        return false;
    }

    private void acceptRun(String valid) {
        while (accept(valid)) {
            // consume
        }
    }

    /** Whether an identifier may end here: Go's rule, which keeps "$x+2" from lexing as two words. */
    private boolean atTerminator() {
        if (pos >= in.length()) {
            return true;
        }
        char r = in.charAt(pos);
        return isSpace(r) || ".,|:)(".indexOf(r) >= 0 || r == RIGHT_DELIM.charAt(0);
    }

    /** -1 if no right delimiter starts here, 0 for "}}", 2 for " -}}" (the length of the trim marker). */
    private int atRightDelim() {
        if (in.startsWith(RIGHT_DELIM, pos)) {
            return 0;
        }
        if (pos + 1 < in.length() && isSpace(in.charAt(pos)) && in.charAt(pos + 1) == '-'
                && in.startsWith(RIGHT_DELIM, pos + 2)) {
            return 2;
        }
        return -1;
    }

    private boolean hasLeftTrimMarker(int at) {
        return at + 1 < in.length() && in.charAt(at) == '-' && isSpace(in.charAt(at + 1));
    }

    private int rightTrimmed(int from, int to) {
        while (to > from && isSpace(in.charAt(to - 1))) {
            to--;
        }
        return to;
    }

    private int leftTrimmed(int from) {
        while (from < in.length() && isSpace(in.charAt(from))) {
            from++;
        }
        return from;
    }

    private void emit(Type type, int from, int to) {
        tokens.add(new Token(type, from, lineAt(from), in.substring(from, to)));
        start = pos;
    }

    private boolean error(String message) {
        tokens.add(new Token(Type.ERROR, start, lineAt(start), message));
        return false;
    }

    private int lineAt(int at) {
        int line = 1;
        for (int i = 0; i < at && i < in.length(); i++) {
            if (in.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    static boolean isSpace(int r) {
        return r == ' ' || r == '\t' || r == '\r' || r == '\n';
    }

    private static boolean isDigit(int r) {
        return r >= '0' && r <= '9';
    }

    static boolean isAlphaNumeric(int r) {
        return r == '_' || Character.isLetter(r) || Character.isDigit(r);
    }
}
