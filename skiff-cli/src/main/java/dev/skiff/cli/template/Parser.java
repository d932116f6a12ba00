package dev.skiff.cli.template;

import dev.skiff.cli.template.Node.BoolNode;
import dev.skiff.cli.template.Node.BreakNode;
import dev.skiff.cli.template.Node.ChainNode;
import dev.skiff.cli.template.Node.CommandNode;
import dev.skiff.cli.template.Node.ContinueNode;
import dev.skiff.cli.template.Node.ControlKind;
import dev.skiff.cli.template.Node.ControlNode;
import dev.skiff.cli.template.Node.DotNode;
import dev.skiff.cli.template.Node.Expr;
import dev.skiff.cli.template.Node.FieldNode;
import dev.skiff.cli.template.Node.IdentifierNode;
import dev.skiff.cli.template.Node.ListNode;
import dev.skiff.cli.template.Node.NilNode;
import dev.skiff.cli.template.Node.NumberNode;
import dev.skiff.cli.template.Node.PipeNode;
import dev.skiff.cli.template.Node.Stmt;
import dev.skiff.cli.template.Node.StringNode;
import dev.skiff.cli.template.Node.TextNode;
import dev.skiff.cli.template.Node.VariableNode;
import dev.skiff.cli.template.Token.Type;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Builds the tree from tokens by Go's grammar, with Go's error messages. {@code define}, {@code
 * template} and {@code block} are refused: docker's formats never name other templates.
 */
final class Parser {
    private final List<Token> tokens;
    private final Set<String> functions;
    private final List<String> vars = new ArrayList<>(List.of("$"));
    private int next;
    private int furthest;
    private int rangeDepth;

    private Parser(List<Token> tokens, Set<String> functions) {
        this.tokens = tokens;
        this.functions = functions;
    }

    static ListNode parse(String text, Set<String> functions) {
        Parser p = new Parser(Lexer.lex(text), functions);
        return p.parseRoot();
    }

    /** How an item list ended: at {{end}}, or at {{else}} (possibly followed by "if"/"with"). */
    private record Terminator(Type type, int pos) {
        @Override
        public String toString() {
            return type == Type.END ? "{{end}}" : "{{else}}";
        }
    }

    private record Items(ListNode list, Terminator end) {
    }

    private ListNode parseRoot() {
        List<Stmt> nodes = new ArrayList<>();
        while (peek().type() != Type.EOF) {
            Object n = textOrAction();
            if (n instanceof Terminator t) {
                throw error("unexpected " + t);
            }
            nodes.add((Stmt) n);
        }
        return new ListNode(0, nodes);
    }

    private Items itemList() {
        int pos = peekNonSpace().pos();
        List<Stmt> nodes = new ArrayList<>();
        while (peekNonSpace().type() != Type.EOF) {
            Object n = textOrAction();
            if (n instanceof Terminator t) {
                return new Items(new ListNode(pos, nodes), t);
            }
            nodes.add((Stmt) n);
        }
        throw error("unexpected EOF");
    }

    /** A statement, or the {@link Terminator} of the enclosing list. */
    private Object textOrAction() {
        Token t = nextNonSpace();
        return switch (t.type()) {
            case TEXT -> new TextNode(t.pos(), t.val());
            case LEFT_DELIM -> action();
            default -> throw unexpected(t, "input");
        };
    }

    private Object action() {
        Token t = nextNonSpace();
        switch (t.type()) {
            case ELSE -> {
                Token after = peekNonSpace();
                if (after.type() == Type.IF || after.type() == Type.WITH) {
                    return new Terminator(Type.ELSE, after.pos());
                }
                return new Terminator(Type.ELSE, expect(Type.RIGHT_DELIM, "else").pos());
            }
            case END -> {
                return new Terminator(Type.END, expect(Type.RIGHT_DELIM, "end").pos());
            }
            case IF -> {
                return control(ControlKind.IF);
            }
            case RANGE -> {
                return control(ControlKind.RANGE);
            }
            case WITH -> {
                return control(ControlKind.WITH);
            }
            case BREAK, CONTINUE -> {
                if (rangeDepth == 0) {
                    throw error("{{" + t.val() + "}} outside {{range}}");
                }
                expect(Type.RIGHT_DELIM, t.val());
                return t.type() == Type.BREAK ? new BreakNode(t.pos()) : new ContinueNode(t.pos());
            }
            case DEFINE, TEMPLATE, BLOCK ->
                    throw error("{{" + t.val() + "}} is not supported: a format is a single template");
            default -> {
                back();
                Token first = peek();
                return new Node.ActionNode(first.pos(), pipeline("command"));
            }
        }
    }

    private ControlNode control(ControlKind kind) {
        int mark = vars.size();
        try {
            PipeNode pipe = pipeline(kind.word());
            if (kind == ControlKind.RANGE) {
                rangeDepth++;
            }
            Items items;
            try {
                items = itemList();
            } finally {
                if (kind == ControlKind.RANGE) {
                    rangeDepth--;
                }
            }
            ListNode elseList = new ListNode(items.end().pos(), List.of());
            if (items.end().type() == Type.ELSE) {
                // "{{else if x}}" is "{{else}}{{if x}}...{{end}}{{end}}" with one {{end}}; likewise "else with".
                Token after = peek();
                if (kind != ControlKind.RANGE && after.type() == (kind == ControlKind.IF ? Type.IF : Type.WITH)) {
                    next();
                    elseList = new ListNode(after.pos(), List.of(control(kind)));
                } else {
                    Items rest = itemList();
                    if (rest.end().type() != Type.END) {
                        throw error("expected end; found " + rest.end());
                    }
                    elseList = rest.list();
                }
            }
            return new ControlNode(pipe.pos(), kind, pipe, items.list(), elseList);
        } finally {
            vars.subList(mark, vars.size()).clear();
        }
    }

    private PipeNode pipeline(String context) {
        int pos = peekNonSpace().pos();
        List<VariableNode> decl = new ArrayList<>();
        boolean isAssign = false;
        while (peekNonSpace().type() == Type.VARIABLE) {
            int save = next;
            Token v = nextNonSpace();
            Token after = peekNonSpace();
            if (after.type() == Type.ASSIGN || after.type() == Type.DECLARE) {
                isAssign = after.type() == Type.ASSIGN;
                nextNonSpace();
                decl.add(new VariableNode(v.pos(), List.of(v.val())));
                vars.add(v.val());
                break;
            } else if (after.type() == Type.CHAR && after.val().equals(",")) {
                nextNonSpace();
                decl.add(new VariableNode(v.pos(), List.of(v.val())));
                vars.add(v.val());
                if (context.equals("range") && decl.size() < 2) {
                    Type t = peekNonSpace().type();
                    if (t == Type.VARIABLE || t == Type.RIGHT_DELIM || t == Type.RIGHT_PAREN) {
                        continue;
                    }
                    throw error("range can only initialize variables");
                }
                throw error("too many declarations in " + context);
            } else {
                // "$x" is an operand, not a declaration: put it back.
                next = save;
                break;
            }
        }
        List<CommandNode> cmds = new ArrayList<>();
        while (true) {
            Token t = nextNonSpace();
            switch (t.type()) {
                case RIGHT_DELIM, RIGHT_PAREN -> {
                    if (cmds.isEmpty()) {
                        throw error("missing value for " + context);
                    }
                    for (int i = 1; i < cmds.size(); i++) {
                        Expr first = cmds.get(i).args().getFirst();
                        if (first instanceof BoolNode || first instanceof DotNode || first instanceof NilNode
                                || first instanceof NumberNode || first instanceof StringNode) {
                            throw error("non executable command in pipeline stage " + (i + 1));
                        }
                    }
                    if (t.type() == Type.RIGHT_PAREN) {
                        back();
                    }
                    return new PipeNode(pos, isAssign, decl, cmds);
                }
                case BOOL, CHAR_CONSTANT, DOT, FIELD, IDENTIFIER, NUMBER, NIL, RAW_STRING, STRING, VARIABLE,
                     LEFT_PAREN -> {
                    back();
                    cmds.add(command());
                }
                default -> throw unexpected(t, context);
            }
        }
    }

    private CommandNode command() {
        int pos = peekNonSpace().pos();
        List<Expr> args = new ArrayList<>();
        while (true) {
            peekNonSpace();
            Expr operand = operand();
            if (operand != null) {
                args.add(operand);
            }
            Token t = next();
            switch (t.type()) {
                case SPACE -> {
                    continue;
                }
                case ERROR -> throw error(t.val());
                case RIGHT_DELIM, RIGHT_PAREN -> back();
                case PIPE -> {
                    // the next command follows
                }
                default -> throw error("unexpected " + t + " in operand");
            }
            break;
        }
        if (args.isEmpty()) {
            throw error("empty command");
        }
        return new CommandNode(pos, args);
    }

    private Expr operand() {
        Expr node = term();
        if (node == null || peek().type() != Type.FIELD) {
            return node;
        }
        int pos = peek().pos();
        List<String> fields = new ArrayList<>();
        while (peek().type() == Type.FIELD) {
            fields.add(next().val().substring(1));
        }
        return switch (node) {
            case FieldNode f -> new FieldNode(f.pos(), concat(f.ident(), fields));
            case VariableNode v -> new VariableNode(v.pos(), concat(v.ident(), fields));
            case BoolNode b -> throw error("unexpected . after term " + GoFormat.quote(b.toString()));
            case StringNode s -> throw error("unexpected . after term " + GoFormat.quote(s.toString()));
            case NumberNode n -> throw error("unexpected . after term " + GoFormat.quote(n.toString()));
            case NilNode n -> throw error("unexpected . after term " + GoFormat.quote(n.toString()));
            case DotNode d -> throw error("unexpected . after term " + GoFormat.quote(d.toString()));
            default -> new ChainNode(pos, node, fields);
        };
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private Expr term() {
        Token t = nextNonSpace();
        switch (t.type()) {
            case ERROR -> throw error(t.val());
            case IDENTIFIER -> {
                if (!functions.contains(t.val())) {
                    throw error("function " + GoFormat.quote(t.val()) + " not defined");
                }
                return new IdentifierNode(t.pos(), t.val());
            }
            case DOT -> {
                return new DotNode(t.pos());
            }
            case NIL -> {
                return new NilNode(t.pos());
            }
            case VARIABLE -> {
                return useVar(t);
            }
            case FIELD -> {
                return new FieldNode(t.pos(), Arrays.asList(t.val().substring(1)));
            }
            case BOOL -> {
                return new BoolNode(t.pos(), t.val().equals("true"));
            }
            case CHAR_CONSTANT, NUMBER -> {
                return number(t);
            }
            case LEFT_PAREN -> {
                PipeNode pipe = pipeline("parenthesized pipeline");
                Token close = next();
                if (close.type() != Type.RIGHT_PAREN) {
                    throw error("unclosed right paren: unexpected " + close);
                }
                return pipe;
            }
            case STRING, RAW_STRING -> {
                try {
                    return new StringNode(t.pos(), t.val(), GoStrings.unquote(t.val()));
                } catch (IllegalArgumentException e) {
                    throw error(e.getMessage());
                }
            }
            default -> {
                back();
                return null;
            }
        }
    }

    private VariableNode useVar(Token t) {
        List<String> parts = Arrays.asList(t.val().split("\\.", -1));
        if (!vars.contains(parts.getFirst())) {
            throw error("undefined variable " + GoFormat.quote(parts.getFirst()));
        }
        return new VariableNode(t.pos(), parts);
    }

    private NumberNode number(Token t) {
        String text = t.val();
        try {
            if (t.type() == Type.CHAR_CONSTANT) {
                String s = GoStrings.unquote(text);
                return new NumberNode(t.pos(), text, (long) s.codePointAt(0));
            }
            return new NumberNode(t.pos(), text, GoStrings.parseNumber(text));
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    // Token stream: spaces are tokens, as in Go, because "$x y" and "$x := y" differ only past them.

    private Token next() {
        Token t = tokens.get(Math.min(next, tokens.size() - 1));
        next++;
        furthest = Math.max(furthest, Math.min(next, tokens.size()) - 1);
        return t;
    }

    private void back() {
        next--;
    }

    private Token peek() {
        Token t = next();
        back();
        return t;
    }

    private Token nextNonSpace() {
        Token t;
        do {
            t = next();
        } while (t.type() == Type.SPACE);
        return t;
    }

    private Token peekNonSpace() {
        Token t = nextNonSpace();
        back();
        return t;
    }

    private Token expect(Type type, String context) {
        Token t = nextNonSpace();
        if (t.type() != type) {
            throw unexpected(t, context);
        }
        return t;
    }

    private TemplateException unexpected(Token t, String context) {
        if (t.type() == Type.ERROR) {
            return error(t.val());
        }
        return error("unexpected " + t + " in " + context);
    }

    /** Go's form: the template's name (always empty for docker's formats) and the line being parsed. */
    private TemplateException error(String message) {
        int line = tokens.get(Math.min(furthest, tokens.size() - 1)).line();
        return new TemplateException("template: :" + line + ": " + message);
    }
}
