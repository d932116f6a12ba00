package dev.skiff.cli.template;

import java.util.List;
import java.util.Map;

/**
 * A {@code --format} value as docker's formatter reads it (cli/command/formatter/formatter.go): {@code
 * json} means {@code {{json .}}}; a format starting with {@code table} drops that word, gets a header row
 * and aligned columns; a literal backslash-t or backslash-n in the format becomes a tab or newline. Every
 * other format is run once per row, each followed by a newline.
 *
 * <p>Errors carry docker's prefix, {@code template parsing error: }, so the CLI prints the message as is.
 */
public final class OutputFormat {
    private static final String TABLE = "table";
    private static final String JSON = "json";

    private final boolean table;
    private final GoTemplate template;

    private OutputFormat(boolean table, GoTemplate template) {
        this.table = table;
        this.template = template;
    }

    /**
     * Parses a user's format. The bare words {@code table} and {@code ""} mean the command's default
     * format; the caller substitutes that before calling (as docker's NewImageFormat does).
     */
    public static OutputFormat parse(String format) {
        try {
            return new OutputFormat(format.startsWith(TABLE), GoTemplate.parse(templateText(format)));
        } catch (TemplateException e) {
            throw new TemplateException("template parsing error: " + e.getMessage());
        }
    }

    private static String templateText(String format) {
        if (format.equals(TABLE)) {
            return "";
        }
        if (format.equals(JSON)) {
            return "{{json .}}";
        }
        String text = format.startsWith(TABLE) ? format.substring(TABLE.length()) : format;
        return stripSpaces(text).replace("\\t", "\t").replace("\\n", "\n");
    }

    /** Go's strings.Trim(s, " "): spaces only, so a leading tab or newline survives. */
    private static String stripSpaces(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == ' ') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == ' ') {
            to--;
        }
        return s.substring(from, to);
    }

    public boolean isTable() {
        return table;
    }

    /**
     * Renders {@code rows} (usually {@link Fields}, one per line of output). For a table format,
     * {@code headers} names each field's column ({@code "ID" -> "IMAGE ID"}); a field without a name
     * heads its column with {@code <no value>}, as docker's does. If any row fails, nothing is printed and
     * the error is thrown, as docker does.
     */
    public String render(Map<String, ?> headers, List<?> rows) {
        StringBuilder body = new StringBuilder();
        for (Object row : rows) {
            try {
                body.append(template.execute(row));
            } catch (TemplateException e) {
                throw new TemplateException("template parsing error: " + e.getMessage());
            }
            body.append('\n');
        }
        if (!table) {
            return body.toString();
        }
        StringBuilder all = new StringBuilder();
        template.executeHeader(headers, all);
        all.append('\n').append(body);
        return TabWriter.docker().align(all.toString());
    }
}
