package dev.skiff.cli.template;

import dev.skiff.cli.template.Node.ListNode;

/**
 * A parsed Go text/template, as docker's {@code --format} takes it: {@code {{.ID}}}, {@code {{json
 * .Config}}}, {@code {{range .RepoTags}}{{.}} {{end}}}, with Go's builtins and docker's functions.
 *
 * <p>Data is what the API returned (Jackson {@code JsonNode} trees), plain Java values (maps, lists,
 * strings, numbers, booleans) or {@link Fields} for docker's computed table columns. A missing key of a
 * JSON object is an error, as with {@code docker inspect --format} (which runs with {@code
 * missingkey=error}); a missing field of {@link Fields} is an error as for docker's formatter structs.
 *
 * <p>Thread-safe once parsed: each {@link #execute} runs on its own state.
 */
public final class GoTemplate {
    private final String text;
    private final ListNode root;

    private GoTemplate(String text, ListNode root) {
        this.text = text;
        this.root = root;
    }

    /** Parses {@code text}; throws {@link TemplateException} with Go's message, e.g. {@code template: :1: unexpected "}" in operand}. */
    public static GoTemplate parse(String text) {
        return new GoTemplate(text, Parser.parse(text, Functions.STANDARD.keySet()));
    }

    /** Runs the template over {@code data}; throws {@link TemplateException} with Go's message. */
    public String execute(Object data) {
        StringBuilder out = new StringBuilder();
        new Execution(text, Functions.STANDARD, true, out).run(root, data);
        return out.toString();
    }

    /**
     * Runs the template over a table's column names the way docker prints a header: with docker's header
     * functions (a name passes through {@code upper}, {@code json}, ...), {@code <no value>} for a field
     * without a name, and what was printed before any error kept, the error dropped.
     */
    void executeHeader(Object header, StringBuilder out) {
        try {
            new Execution(text, Functions.HEADER, false, out).run(root, header);
        } catch (TemplateException e) {
            // docker ignores header errors too: the columns still line up with what was printed.
        }
    }

    /** The template's source text. */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
