package dev.skiff.cli.template;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The parse tree of a template, as Go's text/template/parse has it. Every node knows its position (an
 * index into the template text) for error messages, and prints itself as Go does, since executing
 * errors quote the node: {@code at <.Config.Foo>}.
 */
sealed interface Node {
    int pos();

    /** Something that runs: text, an action or a control structure. */
    sealed interface Stmt extends Node {
    }

    /** Something that yields a value: an operand of a command. */
    sealed interface Expr extends Node {
    }

    record ListNode(int pos, List<Stmt> nodes) implements Node {
        public ListNode {
            nodes = List.copyOf(nodes);
        }

        @Override
        public String toString() {
            return nodes.stream().map(Object::toString).collect(Collectors.joining());
        }
    }

    record TextNode(int pos, String text) implements Stmt {
        @Override
        public String toString() {
            return GoFormat.quote(text);
        }
    }

    /** {@code {{pipeline}}}: prints the pipeline's value unless it declares variables. */
    record ActionNode(int pos, PipeNode pipe) implements Stmt {
        @Override
        public String toString() {
            return "{{" + pipe + "}}";
        }
    }

    /** if, range and with share one shape; an absent else is an empty list. */
    enum ControlKind {
        IF, RANGE, WITH;

        String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    record ControlNode(int pos, ControlKind kind, PipeNode pipe, ListNode list, ListNode elseList) implements Stmt {
        @Override
        public String toString() {
            String s = "{{" + kind.word() + " " + pipe + "}}" + list;
            if (!elseList.nodes().isEmpty()) {
                s += "{{else}}" + elseList;
            }
            return s + "{{end}}";
        }
    }

    record BreakNode(int pos) implements Stmt {
        @Override
        public String toString() {
            return "{{break}}";
        }
    }

    record ContinueNode(int pos) implements Stmt {
        @Override
        public String toString() {
            return "{{continue}}";
        }
    }

    /** {@code $x := cmd | cmd}: declares ({@code :=}) or assigns ({@code =}) its variables. */
    record PipeNode(int pos, boolean isAssign, List<VariableNode> decl, List<CommandNode> cmds) implements Expr {
        public PipeNode {
            decl = List.copyOf(decl);
            cmds = List.copyOf(cmds);
        }

        @Override
        public String toString() {
            String s = "";
            if (!decl.isEmpty()) {
                s = decl.stream().map(Object::toString).collect(Collectors.joining(", "))
                        + (isAssign ? " = " : " := ");
            }
            return s + cmds.stream().map(Object::toString).collect(Collectors.joining(" | "));
        }
    }

    record CommandNode(int pos, List<Expr> args) implements Node {
        public CommandNode {
            args = List.copyOf(args);
        }

        @Override
        public String toString() {
            return args.stream().map(a -> a instanceof PipeNode ? "(" + a + ")" : a.toString())
                    .collect(Collectors.joining(" "));
        }
    }

    /** {@code .A.B}: a chain of field names looked up from dot. */
    record FieldNode(int pos, List<String> ident) implements Expr {
        public FieldNode {
            ident = List.copyOf(ident);
        }

        @Override
        public String toString() {
            return ident.stream().map(i -> "." + i).collect(Collectors.joining());
        }
    }

    /** {@code $x.A.B}: the variable's name (with its $) and then field names. */
    record VariableNode(int pos, List<String> ident) implements Expr {
        public VariableNode {
            ident = List.copyOf(ident);
        }

        String name() {
            return ident.getFirst();
        }

        @Override
        public String toString() {
            return String.join(".", ident);
        }
    }

    /** {@code (pipeline).A.B}: fields looked up from a term's value. */
    record ChainNode(int pos, Expr node, List<String> fields) implements Expr {
        public ChainNode {
            fields = List.copyOf(fields);
        }

        @Override
        public String toString() {
            String s = node instanceof PipeNode ? "(" + node + ")" : node.toString();
            return s + fields.stream().map(f -> "." + f).collect(Collectors.joining());
        }
    }

    record IdentifierNode(int pos, String name) implements Expr {
        @Override
        public String toString() {
            return name;
        }
    }

    record DotNode(int pos) implements Expr {
        @Override
        public String toString() {
            return ".";
        }
    }

    record NilNode(int pos) implements Expr {
        @Override
        public String toString() {
            return "nil";
        }
    }

    record BoolNode(int pos, boolean value) implements Expr {
        @Override
        public String toString() {
            return Boolean.toString(value);
        }
    }

    /** A number constant: its text as written and its value, a {@code Long} or a {@code Double}. */
    record NumberNode(int pos, String text, Number value) implements Expr {
        @Override
        public String toString() {
            return text;
        }
    }

    /** A string constant: as written (with quotes) and unquoted. */
    record StringNode(int pos, String quoted, String text) implements Expr {
        @Override
        public String toString() {
            return quoted;
        }
    }
}
