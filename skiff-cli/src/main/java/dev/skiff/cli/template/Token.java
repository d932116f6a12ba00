package dev.skiff.cli.template;

/** One lexeme of a template, with its byte-free position: an index into the template text and its line. */
record Token(Type type, int pos, int line, String val) {

    enum Type {
        ERROR, BOOL, CHAR, CHAR_CONSTANT, NUMBER, ASSIGN, DECLARE, EOF, FIELD, IDENTIFIER, LEFT_DELIM,
        LEFT_PAREN, PIPE, RAW_STRING, RIGHT_DELIM, RIGHT_PAREN, SPACE, STRING, TEXT, VARIABLE,
        // Keywords: printed as <word> in error messages, as Go does.
        BLOCK, BREAK, CONTINUE, DOT, DEFINE, ELSE, END, IF, NIL, RANGE, TEMPLATE, WITH;

        boolean isKeyword() {
            return ordinal() >= BLOCK.ordinal();
        }
    }

    /** How Go's parser names a token in "unexpected X in Y" messages. */
    @Override
    public String toString() {
        if (type == Type.EOF) {
            return "EOF";
        }
        if (type == Type.ERROR) {
            return val;
        }
        if (type.isKeyword()) {
            return "<" + val + ">";
        }
        if (val.codePointCount(0, val.length()) > 10) {
            return GoFormat.quote(val.substring(0, val.offsetByCodePoints(0, 10))) + "...";
        }
        return GoFormat.quote(val);
    }
}
