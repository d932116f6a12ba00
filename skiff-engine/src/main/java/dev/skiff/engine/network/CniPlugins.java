package dev.skiff.engine.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Invokes CNI plugin binaries as the CNI 1.0 spec says a runtime must: the operation and the container
 * in {@code CNI_*} variables, the network configuration on stdin, the result (or a CNI error object)
 * on stdout. {@code CNI_PATH} lets the bridge plugin find its IPAM plugin (host-local).
 */
final class CniPlugins {
    static final String CNI_VERSION = "1.0.0";

    /** One plugin invocation's target: the container, its namespace (may be gone for DEL) and interface. */
    record Target(String containerId, Path netns, String ifName) {
    }

    private final Path pluginDir;
    private final ObjectMapper json;

    CniPlugins(Path pluginDir, ObjectMapper json) {
        this.pluginDir = pluginDir;
        this.json = json;
    }

    /** ADD: returns the plugin's result, which the next plugin in the chain gets as prevResult. */
    ObjectNode add(ObjectNode config, Optional<JsonNode> prevResult, Target target) {
        Commands.Outcome o = invoke("ADD", config, prevResult, target);
        try {
            JsonNode result = json.readTree(o.stdout());
            if (!(result instanceof ObjectNode object)) {
                throw new NetworkException("CNI plugin " + type(config) + " returned no result");
            }
            return object;
        } catch (IOException e) {
            throw new NetworkException("CNI plugin " + type(config) + " returned a result that is not JSON: "
                    + o.stdout().strip(), e);
        }
    }

    /** DEL: plugins must succeed when what they would remove is already gone, so failures are real. */
    void del(ObjectNode config, Optional<JsonNode> prevResult, Target target) {
        invoke("DEL", config, prevResult, target);
    }

    private Commands.Outcome invoke(String command, ObjectNode config, Optional<JsonNode> prevResult, Target target) {
        String type = type(config);
        Path binary = pluginDir.resolve(type);
        if (!Files.isExecutable(binary)) {
            throw new NetworkException("CNI plugin " + type + " not found in " + pluginDir
                    + ": install the containernetworking-plugins package");
        }
        ObjectNode stdin = config.deepCopy();
        prevResult.ifPresent(r -> stdin.set("prevResult", r));
        byte[] input;
        try {
            input = json.writeValueAsBytes(stdin);
        } catch (IOException e) {
            throw new NetworkException("cannot encode the configuration for CNI plugin " + type, e);
        }
        Map<String, String> env = Map.of(
                "CNI_COMMAND", command,
                "CNI_CONTAINERID", target.containerId(),
                "CNI_NETNS", target.netns().toString(),
                "CNI_IFNAME", target.ifName(),
                "CNI_PATH", pluginDir.toString());
        Commands.Outcome o = Commands.run(List.of(binary.toString()), env, input);
        if (!o.ok()) {
            throw new NetworkException("CNI plugin " + type + " " + command + " failed: " + errorText(o));
        }
        return o;
    }

    /** The CNI error object's msg and details (spec section "Error"), or whatever the plugin printed. */
    private String errorText(Commands.Outcome o) {
        try {
            JsonNode err = json.readTree(o.stdout());
            if (err != null && err.hasNonNull("msg")) {
                String details = err.path("details").asText("");
                return err.get("msg").asText() + (details.isEmpty() ? "" : ": " + details);
            }
        } catch (IOException e) {
            // Not a CNI error object: fall through to the raw text.
        }
        return o.complaint().isEmpty() ? "exit code " + o.exitCode() : o.complaint();
    }

    private static String type(ObjectNode config) {
        return config.path("type").asText();
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
