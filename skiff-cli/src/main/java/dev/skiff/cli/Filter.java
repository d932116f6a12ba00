package dev.skiff.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** docker's {@code --filter key=value} flags, as the {@code filters} JSON the Engine API takes. */
final class Filter {
    private Filter() {
    }

    /**
     * @throws Cli.UserError with docker's {@code bad format of filter (expected name=value)} for a value without '='
     */
    static ObjectNode toJson(List<String> filters) {
        ObjectNode json = ImageCommands.JSON.createObjectNode();
        for (String f : filters) {
            int eq = f.indexOf('=');
            if (eq <= 0) {
                throw new Cli.UserError("invalid argument \"" + f + "\" for \"-f, --filter\" flag: bad format of filter (expected name=value)");
            }
            String name = f.substring(0, eq).strip().toLowerCase(java.util.Locale.ROOT);
            String value = f.substring(eq + 1).strip();
            ObjectNode values = json.has(name) ? (ObjectNode) json.get(name) : json.putObject(name);
            values.put(value, true);
        }
        return json;
    }
}
