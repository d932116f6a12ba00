package dev.skiff.cli.template;

import dev.skiff.cli.template.Functions.CallError;
import dev.skiff.cli.template.Functions.Function;
import dev.skiff.cli.template.Functions.Param;
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
import dev.skiff.cli.template.Values.Kind;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One run of a template over one value: Go's exec.go state, writing into {@link #out}. */
final class Execution {
    /** Marks "no value piped in from the previous command", as distinct from a piped-in null. */
    private static final Object NO_FINAL = new Object();
    /** The dot where a field chain started: a method's arguments are evaluated with it. */
    private Object methodDot;

    private static final class Break extends RuntimeException {
        Break() {
            super(null, null, false, false);
        }
    }

    private static final class Continue extends RuntimeException {
        Continue() {
            super(null, null, false, false);
        }
    }

    private final String text;
    private final Map<String, Function> functions;
    private final boolean missingKeyIsError;
    private final StringBuilder out;
    private final List<String> varNames = new ArrayList<>();
    private final List<Object> varValues = new ArrayList<>();
    private Node at;

    /**
     * @param missingKeyIsError docker inspect's {@code missingkey=error}: a missing map key fails instead of
     *                          printing {@code <no value>}
     */
    Execution(String text, Map<String, Function> functions, boolean missingKeyIsError, StringBuilder out) {
        this.text = text;
        this.functions = functions;
        this.missingKeyIsError = missingKeyIsError;
        this.out = out;
    }

    void run(ListNode root, Object data) {
        push("$", Values.normalize(data));
        walkList(Values.normalize(data), root);
    }

    private void walkList(Object dot, ListNode list) {
        for (Stmt node : list.nodes()) {
            walk(dot, node);
        }
    }

    private void walk(Object dot, Stmt node) {
        at = node;
        switch (node) {
            case TextNode t -> out.append(t.text());
            case Node.ActionNode a -> {
                Object value = evalPipeline(dot, a.pipe());
                if (a.pipe().decl().isEmpty()) {
                    at = a.pipe();
                    out.append(value == Values.NO_VALUE ? "<no value>" : GoFormat.value(value));
                }
            }
            case ControlNode c when c.kind() == ControlKind.RANGE -> walkRange(dot, c);
            case ControlNode c -> walkIfOrWith(dot, c);
            case BreakNode b -> throw new Break();
            case ContinueNode c -> throw new Continue();
        }
    }

    private void walkIfOrWith(Object dot, ControlNode node) {
        int mark = varNames.size();
        try {
            Object value = evalPipeline(dot, node.pipe());
            if (Values.truth(value)) {
                walkList(node.kind() == ControlKind.WITH ? value : dot, node.list());
            } else {
                walkList(dot, node.elseList());
            }
        } finally {
            pop(mark);
        }
    }

    private void walkRange(Object dot, ControlNode node) {
        at = node;
        int mark = varNames.size();
        try {
            Object value = evalPipeline(dot, node.pipe());
            List<Object[]> items = new ArrayList<>();
            switch (Values.kind(value)) {
                case LIST -> {
                    List<Object> list = Values.list(value);
                    for (int i = 0; i < list.size(); i++) {
                        items.add(new Object[] {i, list.get(i)});
                    }
                }
                case MAP -> Values.sortedMap(value).forEach((k, v) -> items.add(new Object[] {k, v}));
                case INT -> {
                    if (node.pipe().decl().size() > 1) {
                        throw error("can't use " + GoFormat.value(value) + " to iterate over more than one variable");
                    }
                    long n = ((Number) value).longValue();
                    for (long i = 0; i < n; i++) {
                        items.add(new Object[] {i, Math.toIntExact(i)});
                    }
                }
                case NIL, NO_VALUE -> {
                    // Go ranges over a nil slice or map zero times.
                }
                default -> throw error("range can't iterate over " + GoFormat.value(value));
            }
            if (items.isEmpty()) {
                walkList(dot, node.elseList());
                return;
            }
            for (Object[] item : items) {
                if (!oneIteration(node, item[0], item[1])) {
                    break;
                }
            }
        } finally {
            pop(mark);
        }
    }

    /** Returns false after {{break}}. */
    private boolean oneIteration(ControlNode node, Object index, Object element) {
        List<VariableNode> decl = node.pipe().decl();
        if (!decl.isEmpty()) {
            if (node.pipe().isAssign()) {
                setVar(decl.getFirst().name(), decl.size() > 1 ? index : element);
            } else {
                setTopVar(1, element);
            }
        }
        if (decl.size() > 1) {
            if (node.pipe().isAssign()) {
                setVar(decl.get(1).name(), element);
            } else {
                setTopVar(2, index);
            }
        }
        int mark = varNames.size();
        try {
            walkList(element, node.list());
        } catch (Continue c) {
            // next element
        } catch (Break b) {
            return false;
        } finally {
            pop(mark);
        }
        return true;
    }

    private Object evalPipeline(Object dot, PipeNode pipe) {
        at = pipe;
        Object value = NO_FINAL;
        for (CommandNode cmd : pipe.cmds()) {
            value = evalCommand(dot, cmd, value);
        }
        for (VariableNode v : pipe.decl()) {
            if (pipe.isAssign()) {
                setVar(v.name(), value);
            } else {
                push(v.name(), value);
            }
        }
        return value;
    }

    private Object evalCommand(Object dot, CommandNode cmd, Object fin) {
        Expr first = cmd.args().getFirst();
        switch (first) {
            case FieldNode f -> {
                return evalFieldNode(dot, f, cmd.args(), fin);
            }
            case ChainNode c -> {
                return evalChainNode(dot, c, cmd.args(), fin);
            }
            case IdentifierNode id -> {
                return evalFunction(dot, id, cmd, cmd.args(), fin);
            }
            case PipeNode p -> {
                notAFunction(cmd.args(), fin);
                return evalPipeline(dot, p);
            }
            case VariableNode v -> {
                return evalVariableNode(dot, v, cmd.args(), fin);
            }
            default -> {
                // a constant or dot
            }
        }
        at = first;
        notAFunction(cmd.args(), fin);
        return switch (first) {
            case BoolNode b -> b.value();
            case DotNode d -> dot;
            case NilNode n -> throw error("nil is not a command");
            case NumberNode n -> n.value();
            case StringNode s -> s.text();
            default -> throw error("can't evaluate command " + GoFormat.quote(first.toString()));
        };
    }

    private void notAFunction(List<Expr> args, Object fin) {
        if (args.size() > 1 || fin != NO_FINAL) {
            throw error("can't give argument to non-function " + args.getFirst());
        }
    }

    private Object evalFieldNode(Object dot, FieldNode field, List<Expr> args, Object fin) {
        at = field;
        Object saved = methodDot;
        methodDot = dot;
        try {
            return evalFieldChain(dot, field.ident(), args, fin);
        } finally {
            methodDot = saved;
        }
    }

    private Object evalChainNode(Object dot, ChainNode chain, List<Expr> args, Object fin) {
        at = chain;
        if (chain.node() instanceof NilNode) {
            throw error("indirection through explicit nil in " + chain);
        }
        Object receiver = evalArg(dot, Param.ANY, chain.node());
        at = chain;
        return evalFieldChain(receiver, chain.fields(), args, fin);
    }

    private Object evalVariableNode(Object dot, VariableNode variable, List<Expr> args, Object fin) {
        at = variable;
        Object value = varValue(variable.name());
        if (variable.ident().size() == 1) {
            notAFunction(args, fin);
            return value;
        }
        return evalFieldChain(value, variable.ident().subList(1, variable.ident().size()), args, fin);
    }

    private Object evalFieldChain(Object receiver, List<String> idents, List<Expr> args, Object fin) {
        int n = idents.size();
        for (int i = 0; i < n - 1; i++) {
            receiver = evalField(idents.get(i), List.of(), NO_FINAL, receiver);
        }
        return evalField(idents.get(n - 1), args, fin, receiver);
    }

    private Object evalField(String name, List<Expr> args, Object fin, Object receiver) {
        boolean hasArgs = args.size() > 1 || fin != NO_FINAL;
        switch (Values.kind(receiver)) {
            case MAP -> {
                if (Values.containsKey(receiver, name) && Values.get(receiver, name) instanceof Fields.Method) {
                    return callMethod((Fields.Method) Values.get(receiver, name), args, fin);
                }
                if (hasArgs) {
                    throw error(name + " is not a method but has arguments");
                }
                if (Values.containsKey(receiver, name)) {
                    return Values.get(receiver, name);
                }
                if (missingKeyIsError) {
                    throw error("map has no entry for key " + GoFormat.quote(name));
                }
                return Values.NO_VALUE;
            }
            case STRUCT -> {
                if (!Values.containsKey(receiver, name)) {
                    throw error("can't evaluate field " + name + " in type " + Values.typeName(receiver));
                }
                if (Values.get(receiver, name) instanceof Fields.Method method) {
                    return callMethod(method, args, fin);
                }
                if (hasArgs) {
                    throw error(name + " has arguments but cannot be invoked as function");
                }
                return Values.get(receiver, name);
            }
            case NO_VALUE -> {
                if (missingKeyIsError) {
                    throw error("nil data; no entry for key " + GoFormat.quote(name));
                }
                return Values.NO_VALUE;
            }
            case NIL -> throw error("nil pointer evaluating interface {}." + name);
            default -> throw error("can't evaluate field " + name + " in type " + Values.typeName(receiver));
        }
    }

    private Object callMethod(Fields.Method method, List<Expr> args, Object fin) {
        List<Object> argv = new ArrayList<>();
        for (Expr arg : args.subList(Math.min(1, args.size()), args.size())) {
            argv.add(evalArg(methodDot, Param.ANY, arg));
        }
        if (fin != NO_FINAL) {
            argv.add(fin);
        }
        try {
            return Values.normalize(method.call(argv));
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    private Object evalFunction(Object dot, IdentifierNode id, Node cmd, List<Expr> args, Object fin) {
        at = id;
        Function fn = functions.get(id.name());
        if (fn == null) {
            throw error(GoFormat.quote(id.name()) + " is not a defined function");
        }
        return evalCall(dot, fn, cmd, args, fin);
    }

    private Object evalCall(Object dot, Function fn, Node cmd, List<Expr> args, Object fin) {
        List<Expr> argNodes = args.subList(1, args.size());
        int numIn = argNodes.size() + (fin != NO_FINAL ? 1 : 0);
        int fixed = fn.params().size();
        if (fn.variadic() && numIn < fixed - 1) {
            throw error("wrong number of args for " + fn.name() + ": want at least " + (fixed - 1) + " got " + numIn);
        }
        if (!fn.variadic() && numIn != fixed) {
            throw error("wrong number of args for " + fn.name() + ": want " + fixed + " got " + numIn);
        }
        if (fn.name().equals(Functions.AND) || fn.name().equals(Functions.OR)) {
            boolean stopOn = fn.name().equals(Functions.OR);
            Object value = null;
            for (Expr arg : argNodes) {
                value = evalArg(dot, Param.ANY, arg);
                if (Values.truth(value) == stopOn) {
                    return value;
                }
            }
            return fin != NO_FINAL ? validate(fin, Param.ANY) : value;
        }
        List<Object> argv = new ArrayList<>();
        for (int i = 0; i < argNodes.size(); i++) {
            argv.add(evalArg(dot, fn.param(i), argNodes.get(i)));
        }
        if (fin != NO_FINAL) {
            argv.add(validate(fin, fn.param(numIn - 1)));
        }
        try {
            return Values.normalize(fn.impl().call(argv));
        } catch (CallError e) {
            at = cmd;
            throw error("error calling " + fn.name() + ": " + e.getMessage());
        }
    }

    private Object evalArg(Object dot, Param param, Expr node) {
        at = node;
        return switch (node) {
            case DotNode d -> validate(dot, param);
            case NilNode n -> {
                if (param != Param.ANY) {
                    throw error("cannot assign nil to " + goType(param));
                }
                yield null;
            }
            case FieldNode f -> validate(evalFieldNode(dot, f, List.of(f), NO_FINAL), param);
            case VariableNode v -> validate(evalVariableNode(dot, v, List.of(v), NO_FINAL), param);
            case PipeNode p -> validate(evalPipeline(dot, p), param);
            case IdentifierNode id -> validate(evalFunction(dot, id, id, List.of(id), NO_FINAL), param);
            case ChainNode c -> validate(evalChainNode(dot, c, List.of(c), NO_FINAL), param);
            case BoolNode b -> {
                if (param != Param.ANY) {
                    throw error("expected " + (param == Param.INT ? "integer" : "string") + "; found " + b);
                }
                yield b.value();
            }
            case NumberNode n -> switch (param) {
                case ANY -> n.value();
                case INT -> {
                    Object v = n.value();
                    if (v instanceof Double d && (d != Math.rint(d) || Double.isInfinite(d))) {
                        throw error("expected integer; found " + n);
                    }
                    yield ((Number) v).longValue();
                }
                case STRING -> throw error("expected string; found " + n);
            };
            case StringNode s -> {
                if (param == Param.INT) {
                    throw error("expected integer; found " + s);
                }
                yield s.text();
            }
        };
    }

    /** Go's validateType: values reaching a typed parameter must already have its type. */
    private Object validate(Object value, Param param) {
        Kind kind = Values.kind(value);
        return switch (param) {
            case ANY -> kind == Kind.NO_VALUE ? null : value;
            case STRING -> switch (kind) {
                case STRING -> Values.normalize(value);
                case NIL, NO_VALUE -> throw error("invalid value; expected string");
                default -> throw error("wrong type for value; expected string; got " + Values.typeName(value));
            };
            case INT -> switch (kind) {
                case INT -> Values.bigInteger(value).longValue();
                case FLOAT -> {
                    // JSON cannot tell 5 from 5.0: accept a float that holds an integer.
                    double d = ((Number) Values.normalize(value)).doubleValue();
                    if (d != Math.rint(d)) {
                        throw error("wrong type for value; expected int; got float64");
                    }
                    yield BigInteger.valueOf((long) d).longValue();
                }
                case NIL, NO_VALUE -> throw error("invalid value; expected int");
                default -> throw error("wrong type for value; expected int; got " + Values.typeName(value));
            };
        };
    }

    private static String goType(Param param) {
        return param == Param.INT ? "int" : "string";
    }

    // ---- variables: a stack, as Go keeps them; control structures pop what they pushed ----

    private void push(String name, Object value) {
        varNames.add(name);
        varValues.add(value);
    }

    private void pop(int mark) {
        varNames.subList(mark, varNames.size()).clear();
        varValues.subList(mark, varValues.size()).clear();
    }

    private void setTopVar(int n, Object value) {
        varValues.set(varValues.size() - n, value);
    }

    private void setVar(String name, Object value) {
        for (int i = varNames.size() - 1; i >= 0; i--) {
            if (varNames.get(i).equals(name)) {
                varValues.set(i, value);
                return;
            }
        }
        throw error("undefined variable: " + name);
    }

    private Object varValue(String name) {
        for (int i = varNames.size() - 1; i >= 0; i--) {
            if (varNames.get(i).equals(name)) {
                return varValues.get(i);
            }
        }
        throw error("undefined variable: " + name);
    }

    /** Go's form: {@code template: :LINE:COL: executing "" at <NODE>: message}; COL counts bytes. */
    private TemplateException error(String message) {
        int pos = Math.min(at.pos(), text.length());
        int lineStart = text.lastIndexOf('\n', pos - 1) + 1;
        int line = 1 + (int) text.substring(0, pos).chars().filter(c -> c == '\n').count();
        int col = text.substring(lineStart, pos).getBytes(StandardCharsets.UTF_8).length;
        return new TemplateException("template: :" + line + ":" + col + ": executing \"\" at <" + at + ">: "
                + message);
    }
}
