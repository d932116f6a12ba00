package dev.skiff.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.content.ContentStore;
import dev.skiff.engine.distribution.DistributionMetadata;
import dev.skiff.engine.distribution.ImagePuller;
import dev.skiff.engine.distribution.ImagePusher;
import dev.skiff.engine.distribution.RegistryHosts;
import dev.skiff.engine.images.Image;
import dev.skiff.engine.images.ImageConflictException;
import dev.skiff.engine.images.ImageImporter;
import dev.skiff.engine.images.ImageNotFoundException;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.engine.images.ImportOptions;
import dev.skiff.engine.images.RemoveResult;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.ImageReference;
import dev.skiff.formats.Tag;
import dev.skiff.http.Exchange;
import io.netty.handler.codec.http.HttpMethod;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Engine API's image routes: list, inspect, tag, remove, import ({@code POST /images/create?fromSrc=-}),
 * pull and push,
 * with docker's field names and error messages.
 */
final class ImagesApi {
    private final ImageStore images;
    private final ContentStore content;
    private final ImageImporter importer;
    private final PullApi pullApi;
    private final PushApi pushApi;

    private final dev.skiff.engine.images.ImageParents parents;

    ImagesApi(ImageStore images, ContentStore content, DistributionMetadata distribution, RegistryHosts registries,
              dev.skiff.engine.images.ImageParents parents) {
        this.images = images;
        this.parents = parents;
        this.content = content;
        this.importer = new ImageImporter(content, images);
        this.pullApi = new PullApi(new ImagePuller(content, images, distribution, registries));
        this.pushApi = new PushApi(new ImagePusher(content, images, distribution, registries));
    }

    /**
     * dockerd's rmi takes a removed image's untagged parents along (a build's intermediate images),
     * up the chain, until one is tagged, has another child or is used by a container.
     */
    private List<RemoveResult.Item> removeUnusedParents(dev.skiff.formats.Digest removed) {
        List<RemoveResult.Item> items = new java.util.ArrayList<>();
        Optional<dev.skiff.formats.Digest> next = parents.parent(removed);
        while (next.isPresent()) {
            Optional<Image> parent = images.byId(next.get());
            if (parent.isEmpty() || !parent.get().repoTags().isEmpty() || !parent.get().repoDigests().isEmpty()
                    || parents.withChildren(images.list()).contains(next.get()) || !containersOf.apply(next.get()).isEmpty()) {
                break;
            }
            try {
                items.addAll(images.remove(next.get().toString(), false).items());
            } catch (RuntimeException e) {
                System.err.println("skiff daemon: could not remove the parent image " + next.get() + ": " + e.getMessage());
                break;
            }
            next = parents.parent(next.get());
        }
        return items;
    }

    /** The containers made from an image, which its removal must respect (docker's conflicts). */
    private java.util.function.Function<dev.skiff.formats.Digest, List<dev.skiff.engine.containers.Container>> containersOf = d -> List.of();

    void containersOf(java.util.function.Function<dev.skiff.formats.Digest, List<dev.skiff.engine.containers.Container>> lookup) {
        containersOf = lookup;
    }

    /**
     * dockerd refuses to delete an image a container was made from: always for a running one, and
     * without {@code force} for a stopped one, unless the name given is one of several tags (then
     * only the tag goes).
     */
    private void checkNotInUse(String ref, boolean force) {
        Image image = images.resolve(ref);
        List<dev.skiff.engine.containers.Container> users = containersOf.apply(image.id());
        if (users.isEmpty()) {
            return;
        }
        String imageId = image.shortId();
        boolean byId = image.id().encoded().startsWith(ref.startsWith("sha256:") ? ref.substring(7) : ref);
        var running = users.stream().filter(c -> c.state().running()).findFirst();
        if (running.isPresent() && (byId || image.repoTags().size() <= 1)) {
            throw ApiException.conflict("conflict: unable to delete " + imageId + " (cannot be forced) - image is being used by running container "
                    + running.get().shortId());
        }
        if (force || (!byId && image.repoTags().size() > 1)) {
            return;
        }
        String container = users.getFirst().shortId();
        if (byId) {
            throw ApiException.conflict("conflict: unable to delete " + imageId + " (must be forced) - image is being used by stopped container " + container);
        }
        throw ApiException.conflict("conflict: unable to remove repository reference \"" + ref + "\" (must force) - container "
                + container + " is using its referenced image " + imageId);
    }

    /** A pull as {@code docker pull} does it, for the builder: the same puller, the same {@code pull} event after. */
    dev.skiff.engine.build.ImageBuilder.Puller builderPuller() {
        return (ref, credentials, progress) -> {
            pullApi.puller().pull(ref, credentials, progress);
            pullApi.onPulled.accept(ref);
        };
    }

    /** Who hears of every finished pull (docker's {@code pull} event). */
    void onPulled(java.util.function.Consumer<String> listener) {
        pullApi.onPulled = ref -> listener.accept(ref.familiarString());
    }

    /** Who hears of every tag pushed (docker's {@code push} event), with its familiar reference. */
    void onPushed(java.util.function.Consumer<String> listener) {
        pushApi.onPushed = listener;
    }

    /** Handles {@code path} if it is an image route; false otherwise. */
    boolean route(Exchange ex, String path) throws InterruptedException {
        HttpMethod m = ex.method();
        try {
            if (path.equals("/images/json")) {
                EngineApi.allow(m, HttpMethod.GET);
                EngineApi.sendJson(ex, 200, list(ex.query("all").map(ImagesApi::truthy).orElse(false),
                        Filters.parse(ex.query("filters"), LIST_FILTERS)));
            } else if (path.equals("/images/create")) {
                EngineApi.allow(m, HttpMethod.POST);
                create(ex);
            } else if (path.startsWith("/images/") && path.endsWith("/json") && m.equals(HttpMethod.GET)) {
                EngineApi.sendJson(ex, 200, inspect(images.resolve(name(path, "/json"))));
            } else if (path.startsWith("/images/") && path.endsWith("/push") && m.equals(HttpMethod.POST)) {
                pushApi.push(ex, name(path, "/push"));
            } else if (path.startsWith("/images/") && path.endsWith("/tag") && m.equals(HttpMethod.POST)) {
                tag(ex, name(path, "/tag"));
            } else if (path.startsWith("/images/") && m.equals(HttpMethod.DELETE)) {
                checkNotInUse(name(path, ""), ex.query("force").map(ImagesApi::truthy).orElse(false));
                Image target = images.resolve(name(path, ""));
                RemoveResult result = images.remove(name(path, ""), ex.query("force").map(ImagesApi::truthy).orElse(false));
                List<RemoveResult.Item> items = new java.util.ArrayList<>(result.items());
                if (result.deletedImage()) {
                    items.addAll(removeUnusedParents(target.id()));
                }
                ArrayNode body = EngineApi.JSON.createArrayNode();
                for (RemoveResult.Item item : items) {
                    switch (item) {
                        case RemoveResult.Untagged u -> body.addObject().put("Untagged", u.reference());
                        case RemoveResult.Deleted d -> body.addObject().put("Deleted", d.digest().toString());
                    }
                }
                EngineApi.sendJson(ex, 200, body);
            } else {
                return false;
            }
            return true;
        } catch (ImageNotFoundException e) {
            throw ApiException.notFound(e.getMessage());
        } catch (ImageConflictException e) {
            throw ApiException.conflict(e.getMessage());
        } catch (FormatException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private static String name(String path, String suffix) {
        String name = path.substring("/images/".length(), path.length() - suffix.length());
        if (name.isEmpty()) {
            throw ApiException.badRequest("no image name given");
        }
        return name;
    }

    private ArrayNode list(boolean all, Filters filters) {
        boolean danglingOnly = filters.bool("dangling", false);
        Optional<java.time.Instant> before = filters.get("before").stream().map(n -> images.resolve(n).created()).min(java.util.Comparator.naturalOrder());
        Optional<java.time.Instant> since = filters.get("since").stream().map(n -> images.resolve(n).created()).max(java.util.Comparator.naturalOrder());
        ArrayNode out = EngineApi.JSON.createArrayNode();
        List<Image> listed = images.list();
        java.util.Set<dev.skiff.formats.Digest> withChildren = parents.withChildren(listed);
        for (Image image : listed) {
            if (filters.has("dangling") && danglingOnly != image.repoTags().isEmpty()) {
                continue;
            }
            // dockerd: an untagged image with children (a build's intermediate step) shows only with all
            if (!all && image.repoTags().isEmpty() && image.repoDigests().isEmpty() && withChildren.contains(image.id())) {
                continue;
            }
            if (before.isPresent() && !image.created().isBefore(before.get()) || since.isPresent() && !image.created().isAfter(since.get())) {
                continue;
            }
            if (!filters.matchLabels("label", image.config().config().labels())) {
                continue;
            }
            if (filters.has("reference") && !matchesReference(filters.get("reference"), image)) {
                continue;
            }
            ObjectNode s = out.addObject();
            s.put("Containers", -1);
            s.put("Created", image.created().getEpochSecond());
            s.put("Id", image.id().toString());
            Map<String, String> labels = image.config().config().labels();
            if (labels.isEmpty()) {
                s.putNull("Labels");
            } else {
                ObjectNode l = s.putObject("Labels");
                labels.forEach(l::put);
            }
            s.put("ParentId", parents.parent(image.id()).filter(p -> images.byId(p).isPresent()).map(Object::toString).orElse(""));
            strings(s, "RepoDigests", image.repoDigests(), true);
            strings(s, "RepoTags", image.repoTags(), true);
            s.put("SharedSize", -1);
            s.put("Size", image.size());
            s.put("VirtualSize", image.size());
        }
        return out;
    }

    static final java.util.Set<String> LIST_FILTERS = java.util.Set.of("dangling", "label", "before", "since", "reference");

    /** dockerd's reference filter: a glob on the familiar {@code name:tag} or the name alone. */
    private static boolean matchesReference(List<String> patterns, Image image) {
        for (String pattern : patterns) {
            for (String tag : image.repoTags()) {
                String name = tag.substring(0, tag.lastIndexOf(':'));
                if (Filters.glob(pattern, tag) || Filters.glob(pattern, name)) {
                    return true;
                }
            }
            for (String digest : image.repoDigests()) {
                if (Filters.glob(pattern, digest) || Filters.glob(pattern, digest.substring(0, digest.indexOf('@')))) {
                    return true;
                }
            }
        }
        return false;
    }

    private ObjectNode inspect(Image image) {
        JsonNode config;
        try {
            config = EngineApi.JSON.readTree(content.read(image.id()));
        } catch (IOException e) {
            throw new IllegalStateException("the config of image " + image.shortId() + " can't be read: " + e.getMessage(), e);
        }
        ObjectNode i = EngineApi.JSON.createObjectNode();
        i.put("Id", image.id().toString());
        strings(i, "RepoTags", image.repoTags(), false);
        strings(i, "RepoDigests", image.repoDigests(), false);
        i.put("Parent", parents.parent(image.id()).filter(p -> images.byId(p).isPresent()).map(Object::toString).orElse(""));
        JsonNode history = config.path("history");
        i.put("Comment", history.isArray() && !history.isEmpty() ? history.get(history.size() - 1).path("comment").asText("") : "");
        i.put("Created", DateTimeFormatter.ISO_INSTANT.format(image.created()));
        i.put("Container", config.path("container").asText(""));
        i.set("ContainerConfig", config.has("container_config") ? config.get("container_config") : emptyContainerConfig());
        i.put("DockerVersion", config.path("docker_version").asText(""));
        i.put("Author", config.path("author").asText(""));
        i.set("Config", config.has("config") ? config.get("config") : emptyContainerConfig());
        i.put("Architecture", config.path("architecture").asText(""));
        if (config.has("variant")) {
            i.put("Variant", config.path("variant").asText());
        }
        i.put("Os", config.path("os").asText(""));
        i.put("Size", image.size());
        i.put("VirtualSize", image.size());
        ObjectNode driver = i.putObject("GraphDriver");
        driver.putNull("Data");
        driver.put("Name", "overlayfs");
        ObjectNode rootfs = i.putObject("RootFS");
        rootfs.put("Type", "layers");
        ArrayNode layers = rootfs.putArray("Layers");
        image.config().diffIds().forEach(d -> layers.add(d.toString()));
        i.putObject("Metadata").put("LastTagTime", "0001-01-01T00:00:00Z");
        return i;
    }

    private static ObjectNode emptyContainerConfig() {
        ObjectNode c = EngineApi.JSON.createObjectNode();
        for (String k : new String[] {"Hostname", "Domainname", "User"}) {
            c.put(k, "");
        }
        c.put("AttachStdin", false);
        c.put("AttachStdout", false);
        c.put("AttachStderr", false);
        c.put("Tty", false);
        c.put("OpenStdin", false);
        c.put("StdinOnce", false);
        c.putNull("Env");
        c.putNull("Cmd");
        c.put("Image", "");
        c.putNull("Volumes");
        c.put("WorkingDir", "");
        c.putNull("Entrypoint");
        c.putNull("OnBuild");
        c.putNull("Labels");
        return c;
    }

    private void tag(Exchange ex, String source) {
        Image image = images.resolve(source);
        String repo = ex.query("repo").orElseThrow(() -> ApiException.badRequest("repo is required: tag SOURCE TARGET[:TAG]"));
        String tag = ex.query("tag").filter(t -> !t.isEmpty()).orElse("latest");
        if (!Tag.isValid(tag)) {
            throw ApiException.badRequest("invalid tag format");
        }
        ImageReference target = ImageReference.parse(repo + ":" + tag);
        images.tag(image.id(), target.toString());
        ex.send(201, Map.of(), new byte[0], null);
    }

    /** {@code docker import}: the body is the root filesystem tar; the answer streams JSON messages. */
    private void create(Exchange ex) throws InterruptedException {
        Optional<String> fromSrc = ex.query("fromSrc");
        Optional<String> fromImage = ex.query("fromImage").filter(s -> !s.isEmpty());
        if (fromSrc.isEmpty() && fromImage.isPresent()) {
            pullApi.pull(ex, fromImage.get());
            return;
        }
        if (fromSrc.isEmpty()) {
            throw ApiException.badRequest("give fromImage to pull an image or fromSrc to import one");
        }
        if (!fromSrc.get().equals("-")) {
            throw ApiException.badRequest("importing from a URL is not supported; pipe the archive in with '-'");
        }
        ImportOptions options = ImportOptions.defaults().withChanges(ex.queryAll("changes"));
        Optional<String> repo = ex.query("repo").filter(r -> !r.isEmpty());
        if (repo.isPresent()) {
            String tag = ex.query("tag").filter(t -> !t.isEmpty()).orElse("");
            options = options.withReference(ImageReference.parse(tag.isEmpty() ? repo.get() : repo.get() + ":" + tag)
                    .withDefaultTag().toString());
        }
        Optional<String> message = ex.query("message").filter(s -> !s.isEmpty());
        if (message.isPresent()) {
            options = options.withMessage(message.get());
        }
        Image image;
        try (BodyStream body = new BodyStream(ex)) {
            try {
                image = importer.importImage(body, options);
            } catch (RuntimeException e) {
                body.drain();
                throw e;
            }
        } catch (java.io.UncheckedIOException e) {
            throw ApiException.badRequest("the archive could not be read: " + e.getCause().getMessage());
        } catch (dev.skiff.engine.EngineException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        ObjectNode status = EngineApi.JSON.createObjectNode().put("status", image.id().toString());
        ex.send(200, Map.of(), (status + "\r\n").getBytes(StandardCharsets.UTF_8), EngineApi.JSON_TYPE);
    }

    private static void strings(ObjectNode node, String field, List<String> values, boolean nullWhenEmpty) {
        if (values.isEmpty() && nullWhenEmpty) {
            node.putNull(field);
            return;
        }
        ArrayNode a = node.putArray(field);
        values.forEach(a::add);
    }

    private static boolean truthy(String v) {
        return v.equals("1") || v.equalsIgnoreCase("true");
    }
}
