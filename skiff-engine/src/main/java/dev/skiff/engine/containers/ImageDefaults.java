package dev.skiff.engine.containers;

import dev.skiff.engine.images.ImageConfig;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Fills a run's config from its image as dockerd does at create (moby {@code merge}): the run's
 * values win; Env is the run's plus the image's other variables; Cmd comes from the image only when
 * the run gives neither Cmd nor Entrypoint, so {@code --entrypoint} resets the image's Cmd.
 */
final class ImageDefaults {
    private ImageDefaults() {
    }

    static ContainerConfig merge(ContainerConfig run, ImageConfig.ContainerConfig image) {
        List<String> env = new ArrayList<>(run.env());
        Set<String> keys = new HashSet<>();
        run.env().forEach(e -> keys.add(key(e)));
        for (String e : image.env()) {
            if (!keys.contains(key(e))) {
                env.add(e);
            }
        }
        List<String> cmd = run.cmd();
        List<String> entrypoint = run.entrypoint();
        if (entrypoint == null || entrypoint.isEmpty()) {
            if (cmd == null || cmd.isEmpty()) {
                cmd = image.cmd().isEmpty() ? cmd : image.cmd();
            }
            if (entrypoint == null) {
                entrypoint = image.entrypoint().isEmpty() ? null : image.entrypoint();
            }
        }
        if (entrypoint != null && entrypoint.size() == 1 && entrypoint.getFirst().isEmpty()) {
            entrypoint = null; // --entrypoint "" clears the image's
        }
        Map<String, Object> exposed = union(image.exposedPorts(), run.exposedPorts());
        Map<String, Object> volumes = union(image.volumes(), run.volumes());
        Map<String, String> labels = new TreeMap<>(image.labels());
        labels.putAll(run.labels());
        return new ContainerConfig(run.hostname(), run.domainname(), run.user().isEmpty() ? image.user() : run.user(),
                run.attachStdin(), run.attachStdout(), run.attachStderr(), exposed, run.tty(), run.openStdin(),
                run.stdinOnce(), env, cmd, healthcheck(run.healthcheck(), image.healthcheck()), run.image(), volumes,
                run.workingDir().isEmpty() ? image.workingDir() : run.workingDir(), entrypoint,
                run.onBuild() == null && !image.onBuild().isEmpty() ? image.onBuild() : run.onBuild(), labels,
                run.stopSignal() == null || run.stopSignal().isEmpty() ? (image.stopSignal().isEmpty() ? null : image.stopSignal()) : run.stopSignal(),
                run.stopTimeout());
    }

    /**
     * The run's health check, else the image's ({@code HEALTHCHECK}); as dockerd, a run's check
     * without a test takes the image's test and fills its unset durations from the image.
     */
    private static com.fasterxml.jackson.databind.JsonNode healthcheck(com.fasterxml.jackson.databind.JsonNode run,
                                                                    java.util.Optional<dev.skiff.engine.images.ImageConfig.HealthConfig> image) {
        if (image.isEmpty()) {
            return run;
        }
        var h = image.get();
        var json = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        var test = json.putArray("Test");
        h.test().forEach(test::add);
        json.put("Interval", h.interval().toNanos());
        json.put("Timeout", h.timeout().toNanos());
        json.put("StartPeriod", h.startPeriod().toNanos());
        json.put("Retries", h.retries());
        if (run == null || run.isNull()) {
            return json;
        }
        var merged = ((com.fasterxml.jackson.databind.node.ObjectNode) run).deepCopy();
        if (!merged.path("Test").isArray() || merged.path("Test").isEmpty()) {
            merged.set("Test", json.get("Test"));
        }
        for (String field : new String[] {"Interval", "Timeout", "StartPeriod", "Retries"}) {
            if (merged.path(field).asLong(0) == 0) {
                merged.set(field, json.get(field));
            }
        }
        return merged;
    }

    private static Map<String, Object> union(Set<String> image, Map<String, Object> run) {
        if (image.isEmpty() && run == null) {
            return null;
        }
        Map<String, Object> all = new LinkedHashMap<>();
        image.forEach(k -> all.put(k, Map.of()));
        if (run != null) {
            run.keySet().forEach(k -> all.put(k, Map.of()));
        }
        return all;
    }

    private static String key(String env) {
        int eq = env.indexOf('=');
        return eq < 0 ? env : env.substring(0, eq);
    }
}
