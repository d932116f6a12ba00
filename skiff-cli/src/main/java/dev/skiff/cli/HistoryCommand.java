package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.template.Fields;
import dev.skiff.cli.template.OutputFormat;
import dev.skiff.cli.template.TemplateException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code skiff history IMAGE}: the image's layers, newest first, in docker's columns. */
@Command(name = "history", mixinStandardHelpOptions = true, description = "Show the history of an image.")
final class HistoryCommand implements Callable<Integer> {
    static final int CREATED_BY_WIDTH = 45;

    @Spec
    CommandSpec spec;

    @Option(names = {"-H", "--human"}, arity = "1", defaultValue = "true", description = "Print sizes and dates in human readable format (default true).")
    boolean human;

    @Option(names = {"-q", "--quiet"}, description = "Only show image IDs.")
    boolean quiet;

    @Option(names = "--no-trunc", description = "Don't truncate output.")
    boolean noTrunc;

    @Option(names = "--format", description = "Format output with a Go template, or 'table', or 'json'.")
    String format;

    @Parameters(index = "0", paramLabel = "IMAGE")
    String image;

    @Override
    public Integer call() throws Exception {
        JsonNode history = ImageCommands.request(ImageCommands.client(spec), "GET", "/images/" + image + "/history");
        Instant now = Instant.now();
        List<Fields> rows = new ArrayList<>();
        for (JsonNode h : history) {
            String id = h.path("Id").asText();
            Instant created = Instant.ofEpochSecond(h.path("Created").asLong());
            String createdAt = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(created.atOffset(ZoneOffset.UTC)).replace("+00:00", "Z");
            String createdBy = h.path("CreatedBy").asText("").replace('\t', ' ');
            long size = h.path("Size").asLong();
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("ID", noTrunc || id.equals("<missing>") ? id : ImageCommands.shortId(id));
            row.put("CreatedSince", human ? Humanize.ago(Duration.between(created, now)) : createdAt);
            row.put("CreatedAt", createdAt);
            row.put("CreatedBy", noTrunc ? createdBy : ellipsis(createdBy, CREATED_BY_WIDTH));
            row.put("Size", human ? Humanize.size(size) : Long.toString(size));
            row.put("Comment", h.path("Comment").asText(""));
            rows.add(new Fields("*formatter.historyContext", row));
        }
        String f = quiet ? "{{.ID}}" : format == null || format.isEmpty() || format.equals("table")
                ? "table {{.ID}}\t" + (human ? "{{.CreatedSince}}" : "{{.CreatedAt}}") + "\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
                : format;
        try {
            System.out.print(OutputFormat.parse(f).render(Map.of("ID", "IMAGE", "CreatedSince", "CREATED", "CreatedAt", "CREATED AT",
                    "CreatedBy", "CREATED BY", "Size", "SIZE", "Comment", "COMMENT"), rows));
        } catch (TemplateException e) {
            throw new Cli.UserError(e.getMessage());
        }
        return 0;
    }

    /** docker's formatter.Ellipsis: at most {@code width} columns, the last one a '…' when cut. */
    static String ellipsis(String s, int width) {
        int[] cps = s.codePoints().toArray();
        if (cps.length <= width) {
            return s;
        }
        return new String(cps, 0, width - 1) + "…";
    }
}
