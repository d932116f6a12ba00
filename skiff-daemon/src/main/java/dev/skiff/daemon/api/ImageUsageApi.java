package dev.skiff.daemon.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.EngineException;
import dev.skiff.engine.images.Image;
import dev.skiff.engine.images.ImageConfig;
import dev.skiff.engine.images.ImageNotFoundException;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.engine.images.RemoveResult;
import dev.skiff.formats.Digest;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.Timestamps;
import dev.skiff.http.Exchange;
import io.netty.handler.codec.http.HttpMethod;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What images are made of and what they cost: {@code GET /images/{name}/history}, {@code POST
 * /images/prune} and {@code GET /system/df}, with dockerd's fields. Until containers exist no image
 * is in use, so every image counts as unused.
 */
final class ImageUsageApi {
    static final Set<String> PRUNE_FILTERS = Set.of("dangling", "label", "label!", "until");

    private final ImageStore images;
    private final dev.skiff.engine.images.ImageParents parents;

    ImageUsageApi(ImageStore images, dev.skiff.engine.images.ImageParents parents) {
        this.images = images;
        this.parents = parents;
    }

    boolean route(Exchange ex, String path) {
        HttpMethod m = ex.method();
        try {
            if (path.equals("/images/prune")) {
                EngineApi.allow(m, HttpMethod.POST);
                EngineApi.sendJson(ex, 200, prune(Filters.parse(ex.query("filters"), PRUNE_FILTERS)));
            } else if (path.equals("/system/df")) {
                EngineApi.allow(m, HttpMethod.GET);
                EngineApi.sendJson(ex, 200, diskUsage());
            } else if (path.startsWith("/images/") && path.endsWith("/history") && path.length() > "/images//history".length()
                    && m.equals(HttpMethod.GET)) {
                EngineApi.sendJson(ex, 200, history(images.resolve(path.substring("/images/".length(), path.length() - "/history".length()))));
            } else {
                return false;
            }
            return true;
        } catch (ImageNotFoundException e) {
            throw ApiException.notFound(e.getMessage());
        } catch (FormatException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /**
     * dockerd's ImageHistory: the config's history, newest first; a non-empty entry's size is its
     * layer's. The newest entry is the image itself (its ID and tags); older ones are {@code <missing>}
     * since skiff keeps no parent chain (as for any pulled image in docker).
     */
    static ArrayNode history(Image image) {
        List<ObjectNode> entries = new ArrayList<>();
        int layer = 0;
        for (ImageConfig.History h : image.config().history()) {
            long size = 0;
            if (!h.emptyLayer()) {
                if (layer < image.layers().size()) {
                    size = image.layerSizes().get(layer);
                }
                layer++;
            }
            ObjectNode e = EngineApi.JSON.createObjectNode();
            e.put("Comment", h.comment());
            e.put("Created", h.created().orElse(Image.UNKNOWN_CREATED).getEpochSecond());
            e.put("CreatedBy", h.createdBy());
            e.put("Id", "<missing>");
            e.put("Size", size);
            e.putNull("Tags");
            entries.addFirst(e);
        }
        if (!entries.isEmpty()) {
            ObjectNode top = entries.getFirst();
            top.put("Id", image.id().toString());
            if (!image.repoTags().isEmpty()) {
                ArrayNode tags = top.putArray("Tags");
                image.repoTags().forEach(tags::add);
            }
        }
        ArrayNode out = EngineApi.JSON.createArrayNode();
        entries.forEach(out::add);
        return out;
    }

    /** dockerd's ImagesPrune: dangling images (no tag) by default, every unused one with dangling=false. */
    private ObjectNode prune(Filters filters) {
        boolean danglingOnly = filters.bool("dangling", true);
        Optional<Instant> until = Optional.empty();
        if (filters.get("until").size() > 1) {
            throw ApiException.badRequest("more than one until filter specified");
        }
        if (filters.get("until").size() == 1) {
            until = Optional.of(Timestamps.parse(filters.get("until").getFirst(), Instant.now()));
        }
        ArrayNode deleted = EngineApi.JSON.createArrayNode();
        Map<Digest, Long> layerSizes = new HashMap<>();
        List<Image> all = images.list();
        Set<Digest> withChildren = parents.withChildren(all);
        for (Image image : all) {
            if (danglingOnly && withChildren.contains(image.id())) {
                continue; // dockerd prunes dangling heads only: a build's intermediate images stay with their child
            }
            if (until.isPresent() && image.created().isAfter(until.get())) {
                continue;
            }
            Map<String, String> labels = image.config().config().labels();
            // dockerd's matchLabels: every label= must hold, and not every label!= may hold
            if (!filters.matchLabels("label", labels) || filters.has("label!") && filters.matchLabels("label!", labels)) {
                continue;
            }
            if (danglingOnly && !image.repoTags().isEmpty()) {
                continue;
            }
            List<Digest> chains = image.chainIds();
            for (int i = 0; i < chains.size() && i < image.layers().size(); i++) {
                layerSizes.put(chains.get(i), image.layerSizes().get(i));
            }
            List<String> names = new ArrayList<>(image.repoDigests());
            names.addAll(image.repoTags());
            if (names.isEmpty()) {
                names.add(image.id().encoded());
            }
            for (String name : names) {
                try {
                    report(deleted, images.remove(name, false));
                } catch (ImageNotFoundException e) {
                    // went with an earlier name of the same image
                } catch (EngineException e) {
                    System.err.println("skiff daemon: prune could not remove " + name + ": " + e.getMessage());
                }
            }
        }
        long reclaimed = 0;
        for (var item : deleted) {
            if (item.has("Deleted")) {
                reclaimed += layerSizes.getOrDefault(Digest.parse(item.get("Deleted").asText()), 0L);
            }
        }
        ObjectNode out = EngineApi.JSON.createObjectNode();
        if (deleted.isEmpty()) {
            out.putNull("ImagesDeleted");
        } else {
            out.set("ImagesDeleted", deleted);
        }
        out.put("SpaceReclaimed", reclaimed);
        return out;
    }

    private static void report(ArrayNode out, RemoveResult result) {
        for (RemoveResult.Item item : result.items()) {
            switch (item) {
                case RemoveResult.Untagged u -> out.addObject().put("Untagged", u.reference());
                case RemoveResult.Deleted d -> out.addObject().put("Deleted", d.digest().toString());
            }
        }
    }

    /** dockerd's SystemDiskUsage for images: each layer counted once; SharedSize is what other images share. */
    private ObjectNode diskUsage() {
        List<Image> all = images.list();
        Map<Digest, Integer> users = new HashMap<>();
        Map<Digest, Long> sizes = new HashMap<>();
        for (Image image : all) {
            List<Digest> chains = image.chainIds();
            for (int i = 0; i < chains.size() && i < image.layers().size(); i++) {
                users.merge(chains.get(i), 1, Integer::sum);
                sizes.put(chains.get(i), image.layerSizes().get(i));
            }
        }
        ObjectNode out = EngineApi.JSON.createObjectNode();
        out.put("LayersSize", sizes.values().stream().mapToLong(Long::longValue).sum());
        ArrayNode list = out.putArray("Images");
        for (Image image : all) {
            long shared = 0;
            List<Digest> chains = image.chainIds();
            for (int i = 0; i < chains.size() && i < image.layers().size(); i++) {
                if (users.getOrDefault(chains.get(i), 0) > 1) {
                    shared += image.layerSizes().get(i);
                }
            }
            ObjectNode s = list.addObject();
            s.put("Containers", 0);
            s.put("Created", image.created().getEpochSecond());
            s.put("Id", image.id().toString());
            Map<String, String> labels = image.config().config().labels();
            if (labels.isEmpty()) {
                s.putNull("Labels");
            } else {
                ObjectNode l = s.putObject("Labels");
                labels.forEach(l::put);
            }
            s.put("ParentId", "");
            if (image.repoDigests().isEmpty()) {
                s.putNull("RepoDigests");
            } else {
                ArrayNode a = s.putArray("RepoDigests");
                image.repoDigests().forEach(a::add);
            }
            if (image.repoTags().isEmpty()) {
                s.putArray("RepoTags").add("<none>:<none>");
                if (image.repoDigests().isEmpty()) {
                    s.putArray("RepoDigests").add("<none>@<none>");
                }
            } else {
                ArrayNode a = s.putArray("RepoTags");
                image.repoTags().forEach(a::add);
            }
            s.put("SharedSize", shared);
            s.put("Size", image.size());
            s.put("VirtualSize", image.size());
        }
        out.putArray("Containers");
        out.putArray("Volumes");
        out.putNull("BuildCache");
        out.put("BuilderSize", 0);
        return out;
    }
}
