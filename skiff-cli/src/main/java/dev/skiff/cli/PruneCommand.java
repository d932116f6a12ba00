package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code skiff image prune [-a] [-f] [--filter k=v]}: docker's warning, confirmation and report. */
@Command(name = "prune", mixinStandardHelpOptions = true, description = "Remove unused images.")
final class PruneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-a", "--all"}, description = "Remove all unused images, not just dangling ones.")
    boolean all;

    @Option(names = {"-f", "--force"}, description = "Do not prompt for confirmation.")
    boolean force;

    @Option(names = "--filter", description = "Provide filter values (e.g. \"until=<timestamp>\").")
    List<String> filters = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        ObjectNode json = Filter.toJson(filters);
        json.putObject("dangling").put(all ? "false" : "true", true); // as docker's CLI: -a decides, whatever --filter said
        String warning = all ? "WARNING! This will remove all images without at least one container associated to them."
                : "WARNING! This will remove all dangling images.";
        if (!force && !confirm(warning)) {
            return 0;
        }
        JsonNode report = ImageCommands.request(ImageCommands.client(spec), "POST", "/images/prune?filters=" + ImageCommands.encode(json.toString()));
        JsonNode deleted = report.path("ImagesDeleted");
        if (deleted.isArray() && !deleted.isEmpty()) {
            System.out.println("Deleted Images:");
            for (JsonNode item : deleted) {
                if (item.has("Untagged")) {
                    System.out.println("untagged: " + item.get("Untagged").asText());
                }
                if (item.has("Deleted")) {
                    System.out.println("deleted: " + item.get("Deleted").asText());
                }
            }
            System.out.println();
        }
        System.out.println("Total reclaimed space: " + Humanize.size(report.path("SpaceReclaimed").asLong(), 4));
        return 0;
    }

    /** docker's PromptForConfirmation: the warning, then {@code Are you sure you want to continue? [y/N] }. */
    static boolean confirm(String warning) throws java.io.IOException {
        System.out.print(warning + "\nAre you sure you want to continue? [y/N] ");
        System.out.flush();
        String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (answer == null) {
            System.out.println();
        }
        String a = answer == null ? "" : answer.strip().toLowerCase(Locale.ROOT);
        return a.equals("y") || a.equals("yes");
    }
}
