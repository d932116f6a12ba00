package dev.skiff.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.containers.ContainerEngine;
import dev.skiff.engine.volumes.Volume;
import dev.skiff.engine.volumes.VolumeException;
import dev.skiff.engine.volumes.Volumes;
import dev.skiff.http.Exchange;
import io.netty.handler.codec.http.HttpMethod;

import java.io.IOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Engine API's volume routes, as dockerd answers them for the {@code local} driver: create,
 * list (filters name, label, dangling, driver), inspect, remove (refused while any container, running
 * or not, refers to the volume) and prune (the unused ones).
 */
final class VolumesApi {
    private static final Set<String> LIST_FILTERS = Set.of("name", "label", "dangling", "driver");
    private static final Set<String> PRUNE_FILTERS = Set.of("label", "all");

    private final ContainerEngine containers;
    private final Volumes volumes;

    VolumesApi(ContainerEngine containers) {
        this.containers = containers;
        this.volumes = containers.volumes();
    }

    /** Handles {@code path} if it is a volume route; false otherwise. */
    boolean route(Exchange ex, String path) throws InterruptedException {
        if (!path.equals("/volumes") && !path.startsWith("/volumes/")) {
            return false;
        }
        HttpMethod m = ex.method();
        try {
            switch (path) {
                case "/volumes" -> {
                    EngineApi.allow(m, HttpMethod.GET);
                    list(ex);
                }
                case "/volumes/create" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    create(ex);
                }
                case "/volumes/prune" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    prune(ex);
                }
                default -> {
                    String name = path.substring("/volumes/".length());
                    if (name.isEmpty() || name.contains("/")) {
                        return false;
                    }
                    if (m.equals(HttpMethod.DELETE)) {
                        boolean force = ex.query("force").map(v -> v.equals("1") || v.equalsIgnoreCase("true")).orElse(false);
                        volumes.remove(name, () -> containers.volumeUsers(name), force);
                        ex.send(204, Map.of(), new byte[0], "text/plain");
                    } else {
                        EngineApi.allow(m, HttpMethod.GET);
                        EngineApi.sendJson(ex, 200, json(volumes.get(name)));
                    }
                }
            }
            return true;
        } catch (VolumeException.NotFound e) {
            throw ApiException.notFound(e.getMessage());
        } catch (VolumeException.InUse e) {
            throw ApiException.conflict(e.getMessage());
        } catch (VolumeException.InvalidArgument e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (VolumeException.HostFailure e) {
            throw new ApiException(500, e.getMessage());
        }
    }

    private void create(Exchange ex) throws InterruptedException {
        byte[] body = ex.readBody(1 << 20).orElseThrow(() -> ApiException.badRequest("the request body is larger than 1 MiB"));
        JsonNode root;
        try {
            root = body.length == 0 ? EngineApi.JSON.createObjectNode() : EngineApi.JSON.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("invalid volume configuration: the body is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest("the request body must be a JSON object (Name, Driver, DriverOpts, Labels)");
        }
        Optional<String> name = Optional.of(root.path("Name").asText("")).filter(s -> !s.isEmpty());
        Volume v = volumes.create(name, root.path("Driver").asText(""), strings(root.path("Labels")), strings(root.path("DriverOpts")));
        EngineApi.sendJson(ex, 201, json(v));
    }

    private void list(Exchange ex) {
        Filters filters = Filters.parse(ex.query("filters"), LIST_FILTERS);
        boolean danglingFilter = filters.has("dangling");
        boolean dangling = filters.bool("dangling", false);
        ArrayNode out = EngineApi.JSON.createArrayNode();
        for (Volume v : volumes.list()) {
            if (filters.has("name") && filters.get("name").stream().noneMatch(n -> v.name().contains(n))) {
                continue;
            }
            if (filters.has("driver") && !filters.get("driver").contains("local")) {
                continue;
            }
            if (!filters.matchLabels("label", v.labels())) {
                continue;
            }
            if (danglingFilter && containers.volumeUsers(v.name()).isEmpty() != dangling) {
                continue;
            }
            out.add(json(v));
        }
        ObjectNode answer = EngineApi.JSON.createObjectNode();
        answer.set("Volumes", out);
        answer.putNull("Warnings");
        EngineApi.sendJson(ex, 200, answer);
    }

    /**
     * Unused volumes go. A client that asks for API 1.41 or older (the docker CLI against skiff) gets
     * dockerd's answer at that version: every unused volume. An unversioned request (the skiff CLI)
     * gets today's dockerd's: anonymous ones only, unless {@code all=true}.
     */
    private void prune(Exchange ex) {
        Filters filters = Filters.parse(ex.query("filters"), PRUNE_FILTERS);
        boolean versioned = ex.path().startsWith("/v");
        boolean all = filters.bool("all", versioned && ApiVersion.split(ex.path()).version().compareTo(new ApiVersion(1, 42)) < 0);
        ArrayNode deleted = EngineApi.JSON.createArrayNode();
        long reclaimed = 0;
        for (Volume v : volumes.list()) {
            if ((!all && !v.anonymous()) || !filters.matchLabels("label", v.labels())) {
                continue;
            }
            if (!containers.volumeUsers(v.name()).isEmpty()) {
                continue;
            }
            long size = volumes.size(v);
            try {
                volumes.remove(v.name(), () -> containers.volumeUsers(v.name()), true);
                deleted.add(v.name());
                reclaimed += size;
            } catch (VolumeException.InUse e) {
                // taken by a container created meanwhile: not unused any more
            } catch (VolumeException e) {
                System.err.println("skiff daemon: pruning volume " + v.name() + " failed: " + e.getMessage());
            }
        }
        ObjectNode answer = EngineApi.JSON.createObjectNode();
        answer.set("VolumesDeleted", deleted);
        answer.put("SpaceReclaimed", reclaimed);
        EngineApi.sendJson(ex, 200, answer);
    }

    static ObjectNode json(Volume v) {
        ObjectNode n = EngineApi.JSON.createObjectNode();
        n.put("CreatedAt", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(v.created().atOffset(ZoneOffset.UTC).withNano(0)));
        n.put("Driver", "local");
        n.set("Labels", EngineApi.JSON.valueToTree(new java.util.TreeMap<>(v.labels())));
        n.put("Mountpoint", v.mountpoint().toString());
        n.put("Name", v.name());
        n.set("Options", EngineApi.JSON.valueToTree(new java.util.TreeMap<>(v.options())));
        n.put("Scope", "local");
        return n;
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }
}
