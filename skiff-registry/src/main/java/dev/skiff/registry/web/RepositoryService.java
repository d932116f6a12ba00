package dev.skiff.registry.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;
import dev.skiff.formats.RepositoryName;
import dev.skiff.formats.Tag;
import dev.skiff.registry.api.RegistryException;
import dev.skiff.registry.auth.AccessPolicy;
import dev.skiff.registry.auth.AuthException;
import dev.skiff.registry.auth.Authenticator;
import dev.skiff.registry.auth.Htpasswd;
import dev.skiff.registry.auth.ResourceScope;
import dev.skiff.registry.store.RegistryStore;
import dev.skiff.registry.store.RepositoryInfo;
import dev.skiff.registry.store.RepositoryInfoStore;
import dev.skiff.registry.store.StoredManifest;
import dev.skiff.registry.store.TagPush;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the web pages and their JSON API do, with the registry API's rules: a user owns the repositories
 * under their namespace, admins own all; a private repository is, to everyone else, as if it did not exist.
 * With auth off (no accounts) everyone may do everything, as on the registry API.
 */
final class RepositoryService {
    static final int MAX_PER_PAGE = 100;
    static final int DEFAULT_PER_PAGE = 25;
    static final int DEFAULT_TAGS_PER_PAGE = 100;
    static final int MAX_TAGS_PER_PAGE = 1000;
    private static final int MAX_CONFIG_BYTES = 8 << 20;
    private static final int MAX_INDEX_CHILDREN = 64;
    private static final int SUMMARY_CACHE_SIZE = 20_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    public record RepositorySummary(String name, String namespace, String description, String visibility, int tagCount) {
    }

    public record Page<T>(List<T> items, int page, int perPage, int total) {
        public int pages() {
            return Math.max(1, (total + perPage - 1) / perPage);
        }

        public boolean hasNext() {
            return page < pages();
        }

        public boolean hasPrevious() {
            return page > 1;
        }
    }

    public record TagSummary(String name, String digest, String mediaType, long size, List<String> platforms,
                      Instant pushedAt, String pushedBy) {
    }

    /** A repository and one page of its tags, sorted by name ({@code page} of {@code pages}). */
    public record RepositoryDetail(String name, String description, String visibility, String createdBy, Instant created,
                                   boolean canEdit, int tagCount, int page, int pages, List<TagSummary> tags) {
        public boolean hasNext() {
            return page < pages;
        }

        public boolean hasPrevious() {
            return page > 1;
        }
    }

    public record Layer(String digest, String mediaType, long size) {
    }

    public record HistoryEntry(Instant created, String createdBy, boolean emptyLayer, String comment) {
    }

    public record Image(String platform, String digest, String configDigest, long size, Instant created,
                 List<String> entrypoint, List<String> cmd, List<String> env, List<String> exposedPorts,
                 Map<String, String> labels, String workingDir, String user, List<Layer> layers,
                 List<HistoryEntry> history) {
    }

    public record Referrer(String digest, String artifactType, String mediaType, long size) {
    }

    public record TagDetail(String repository, String tag, String digest, String mediaType, long size, Instant pushedAt,
                     String pushedBy, boolean canEdit, List<Image> images, List<Referrer> referrers) {
    }

    /** Size and platforms of a manifest: content-addressed, so cached by digest. */
    private record ManifestSummary(long size, List<String> platforms) {
    }

    private final RegistryStore store;
    private final RepositoryInfoStore infos;
    private final Authenticator auth;
    private final Map<Digest, ManifestSummary> summaries = new ConcurrentHashMap<>();

    RepositoryService(RegistryStore store, RepositoryInfoStore infos, Authenticator auth) {
        this.store = store;
        this.infos = infos;
        this.auth = auth;
    }

    boolean authEnabled() {
        return auth.accounts().isPresent();
    }

    Instant now() {
        return infos.clock().instant();
    }

    // ---- permissions ------------------------------------------------------------------------------

    private AccessPolicy policy() {
        return auth.policy();
    }

    boolean canSee(Caller caller, RepositoryName name) {
        return !authEnabled()
                || !policy().grant(caller.user(), ResourceScope.repository(name, ResourceScope.PULL)).isEmpty();
    }

    boolean canEdit(Caller caller, RepositoryName name) {
        return !authEnabled() || policy().isOwner(caller.user(), name);
    }

    private void requireSignedIn(Caller caller) {
        if (authEnabled() && caller.user().isEmpty()) {
            throw WebException.unauthorized("sign in first: this needs an account on this registry");
        }
    }

    /** The repository if it exists and the caller may see it; else 404, the same for both. */
    private RepositoryName visible(Caller caller, String text) {
        RepositoryName name = parseName(text);
        if (!exists(name) || !canSee(caller, name)) {
            throw WebException.notFound("repository " + name + " not found (it does not exist, or you may not see it)");
        }
        return name;
    }

    private RepositoryName editable(Caller caller, String text) {
        RepositoryName name = visible(caller, text);
        requireSignedIn(caller);
        if (!canEdit(caller, name)) {
            throw WebException.forbidden("only " + owners(name) + " may change " + name);
        }
        return name;
    }

    private static String owners(RepositoryName name) {
        return name.hasNamespace() ? "user " + name.namespace() + " and admins" : "admins";
    }

    boolean exists(RepositoryName name) {
        return store.repositoryExists(name) || infos.info(name).isPresent();
    }

    static RepositoryName parseName(String text) {
        if (text == null || !RepositoryName.isValid(text)) {
            throw WebException.badRequest("invalid repository name " + quote(text) + ": use lowercase letters and"
                    + " digits, optionally separated by '.', '_', '__' or '-', with '/' between components,"
                    + " e.g. alice/my-app; at most " + RepositoryName.MAX_LENGTH + " characters");
        }
        return RepositoryName.parse(text);
    }

    static Tag parseTag(String text) {
        if (text == null || !Tag.isValid(text)) {
            throw WebException.badRequest("invalid tag " + quote(text)
                    + ": a tag is 1 to 128 letters, digits, _ . or -, and does not start with . or -");
        }
        return Tag.parse(text);
    }

    // ---- listing ------------------------------------------------------------------------------------

    Page<RepositorySummary> list(Caller caller, String query, int page, int perPage) {
        if (page < 1) {
            throw WebException.badRequest("page must be 1 or more, got " + page);
        }
        if (perPage < 1 || perPage > MAX_PER_PAGE) {
            throw WebException.badRequest("per_page must be from 1 to " + MAX_PER_PAGE + ", got " + perPage);
        }
        String q = query == null ? "" : query.strip().toLowerCase(Locale.ROOT);
        TreeSet<RepositoryName> all = new TreeSet<>(store.repositories());
        all.addAll(infos.created());
        List<RepositoryName> matching = new ArrayList<>();
        for (RepositoryName name : all) {
            if (!canSee(caller, name)) {
                continue;
            }
            if (!q.isEmpty() && !name.value().contains(q)
                    && !infos.info(name).map(i -> i.description().toLowerCase(Locale.ROOT).contains(q)).orElse(false)) {
                continue;
            }
            matching.add(name);
        }
        int from = Math.min(matching.size(), (page - 1) * perPage);
        int to = Math.min(matching.size(), from + perPage);
        List<RepositorySummary> items = new ArrayList<>();
        for (RepositoryName name : matching.subList(from, to)) {
            Optional<RepositoryInfo> info = infos.info(name);
            items.add(new RepositorySummary(name.value(), name.hasNamespace() ? name.namespace() : "",
                    info.map(RepositoryInfo::description).orElse(""), visibility(info),
                    tagsOf(name).size()));
        }
        return new Page<>(items, page, perPage, matching.size());
    }

    private List<String> tagsOf(RepositoryName name) {
        if (!store.repositoryExists(name)) {
            return List.of();
        }
        try {
            return store.tags(name);
        } catch (RegistryException e) {
            return List.of();
        }
    }

    // ---- create and change -------------------------------------------------------------------------

    RepositoryName create(Caller caller, String nameText, String description, String visibility) {
        requireSignedIn(caller);
        if (nameText == null || nameText.isBlank()) {
            throw WebException.badRequest("name is required: the repository's name, e.g. my-app (it goes under your"
                    + " namespace) or alice/my-app");
        }
        String full = nameText.strip();
        if (full.indexOf('/') < 0 && caller.user().isPresent()) {
            full = caller.user().get() + "/" + full;
        }
        RepositoryName name = parseName(full);
        if (!canEdit(caller, name)) {
            throw WebException.forbidden("you may create repositories only under your own namespace ("
                    + caller.user().orElse("?") + "/...); " + name + " belongs to " + owners(name));
        }
        boolean isPrivate = parseVisibility(visibility == null || visibility.isBlank() ? "public" : visibility);
        String desc = checkDescription(description == null ? "" : description);
        synchronized (this) {
            if (exists(name)) {
                throw new WebException(409, "EXISTS", "repository " + name + " already exists; choose another name");
            }
            infos.put(name, new RepositoryInfo(desc, isPrivate, caller.user(), now()));
        }
        return name;
    }

    void update(Caller caller, String nameText, Optional<String> description, Optional<String> visibility) {
        RepositoryName name = editable(caller, nameText);
        if (description.isEmpty() && visibility.isEmpty()) {
            throw WebException.badRequest("nothing to change: give description and/or visibility (public or private)");
        }
        synchronized (this) {
            RepositoryInfo info = infos.info(name).orElse(new RepositoryInfo("", false, Optional.empty(), now()));
            if (visibility.isPresent()) {
                info = info.withPrivate(parseVisibility(visibility.get()));
            }
            if (description.isPresent()) {
                info = info.withDescription(checkDescription(description.get()));
            }
            infos.put(name, info);
        }
    }

    void deleteTag(Caller caller, String nameText, String tagText) {
        RepositoryName name = editable(caller, nameText);
        Tag tag = parseTag(tagText);
        if (!tagsOf(name).contains(tag.value())) {
            throw WebException.notFound("tag " + tag + " is not in repository " + name);
        }
        store.deleteTag(name, tag);
    }

    private static String visibility(Optional<RepositoryInfo> info) {
        return info.map(RepositoryInfo::isPrivate).orElse(false) ? "private" : "public";
    }

    static boolean parseVisibility(String visibility) {
        return switch (visibility.strip().toLowerCase(Locale.ROOT)) {
            case "public" -> false;
            case "private" -> true;
            default -> throw WebException.badRequest("visibility must be public or private, got " + quote(visibility));
        };
    }

    private static String checkDescription(String description) {
        if (description.length() > RepositoryInfo.MAX_DESCRIPTION_LENGTH) {
            throw WebException.badRequest("the description is " + description.length() + " characters long; keep it to "
                    + RepositoryInfo.MAX_DESCRIPTION_LENGTH);
        }
        return description.strip();
    }

    /** Changes the caller's password after checking the current one (throttled like every login). */
    void changePassword(Caller caller, String clientAddress, String current, String replacement) {
        requireSignedIn(caller);
        Htpasswd accounts = auth.accounts().orElseThrow(
                () -> WebException.badRequest("this registry has no accounts, so there is no password to change"));
        if (current == null || current.isEmpty()) {
            throw WebException.badRequest("current_password is required");
        }
        if (replacement == null || replacement.isEmpty()) {
            throw WebException.badRequest("new_password is required and must not be empty");
        }
        String user = caller.user().orElseThrow();
        switch (auth.logIn(user, current.toCharArray(), clientAddress)) {
            case Authenticator.Login.Wait w -> throw throttled(w.retryAfter());
            case Authenticator.Login.Refused r -> throw WebException.forbidden("the current password is wrong");
            case Authenticator.Login.LoggedIn l -> {
            }
        }
        try {
            Htpasswd.putUser(accounts.file(), user, replacement.toCharArray());
        } catch (AuthException e) {
            throw WebException.badRequest(e.getMessage());
        }
    }

    static WebException throttled(java.time.Duration retryAfter) {
        long seconds = Math.max(1, retryAfter.toSeconds());
        return new WebException(429, "TOO_MANY_REQUESTS", "too many failed logins from this address; retry in "
                + seconds + " s").withHeader("Retry-After", Long.toString(seconds));
    }

    // ---- details ------------------------------------------------------------------------------------

    RepositoryDetail detail(Caller caller, String nameText) {
        return detail(caller, nameText, 1, DEFAULT_TAGS_PER_PAGE);
    }

    RepositoryDetail detail(Caller caller, String nameText, int page, int perPage) {
        RepositoryName name = visible(caller, nameText);
        if (page < 1) {
            throw WebException.badRequest("page must be 1 or more, got " + page);
        }
        if (perPage < 1 || perPage > MAX_TAGS_PER_PAGE) {
            throw WebException.badRequest("per_page must be from 1 to " + MAX_TAGS_PER_PAGE + ", got " + perPage);
        }
        Optional<RepositoryInfo> info = infos.info(name);
        List<String> all = tagsOf(name);
        int from = Math.min(all.size(), (page - 1) * perPage);
        List<TagSummary> tags = new ArrayList<>();
        for (String tag : all.subList(from, Math.min(all.size(), from + perPage))) {
            Optional<StoredManifest> manifest = store.manifest(name, tag);
            if (manifest.isEmpty()) {
                continue;
            }
            ManifestSummary summary = summary(manifest.get());
            Optional<TagPush> push = infos.lastPush(name, Tag.parse(tag));
            tags.add(new TagSummary(tag, manifest.get().digest().toString(), manifest.get().mediaType(), summary.size(),
                    summary.platforms(), push.map(TagPush::at).orElse(null),
                    push.flatMap(TagPush::by).orElse(null)));
        }
        return new RepositoryDetail(name.value(), info.map(RepositoryInfo::description).orElse(""),
                visibility(info), info.flatMap(RepositoryInfo::createdBy).orElse(null),
                info.map(RepositoryInfo::created).orElse(null), canEdit(caller, name), all.size(), page,
                Math.max(1, (all.size() + perPage - 1) / perPage), tags);
    }

    TagDetail tag(Caller caller, String nameText, String tagText) {
        RepositoryName name = visible(caller, nameText);
        Tag tag = parseTag(tagText);
        StoredManifest manifest = store.manifest(name, tag.value())
                .orElseThrow(() -> WebException.notFound("tag " + tag + " is not in repository " + name));
        JsonNode root = readJson(manifest.content());
        List<Image> images = new ArrayList<>();
        if (root.has("manifests")) {
            int n = 0;
            for (JsonNode child : root.path("manifests")) {
                if (n++ >= MAX_INDEX_CHILDREN) {
                    break;
                }
                String platform = platformOf(child.path("platform"));
                if (platform.equals("unknown/unknown")) {
                    continue; // attestations (buildkit's provenance), shown as referrers where they are
                }
                Optional<Digest> d = digest(child.path("digest").asText());
                Optional<StoredManifest> stored = d.flatMap(x -> store.manifest(name, x.toString()));
                if (stored.isPresent()) {
                    images.add(image(name, stored.get(), platform));
                }
            }
        } else {
            images.add(image(name, manifest, null));
        }
        List<Referrer> referrers = new ArrayList<>();
        for (Descriptor d : store.referrers(name, manifest.digest(), Optional.empty())) {
            referrers.add(new Referrer(d.digest().toString(), d.artifactType().orElse(""), d.mediaType(), d.size()));
        }
        Optional<TagPush> push = infos.lastPush(name, tag);
        return new TagDetail(name.value(), tag.value(), manifest.digest().toString(), manifest.mediaType(),
                summary(manifest).size(), push.map(TagPush::at).orElse(null), push.flatMap(TagPush::by).orElse(null),
                canEdit(caller, name), images, referrers);
    }

    private Image image(RepositoryName name, StoredManifest manifest, String platform) {
        JsonNode root = readJson(manifest.content());
        List<Layer> layers = new ArrayList<>();
        long size = root.path("config").path("size").asLong(0);
        for (JsonNode layer : root.path("layers")) {
            long layerSize = layer.path("size").asLong(0);
            size += layerSize;
            layers.add(new Layer(layer.path("digest").asText(), layer.path("mediaType").asText(), layerSize));
        }
        String configDigest = root.path("config").path("digest").asText("");
        JsonNode config = digest(configDigest).flatMap(d -> readBlob(name, d)).orElse(JSON.createObjectNode());
        JsonNode c = config.path("config");
        List<HistoryEntry> history = new ArrayList<>();
        for (JsonNode h : config.path("history")) {
            history.add(new HistoryEntry(instant(h.path("created").asText(null)), h.path("created_by").asText(""),
                    h.path("empty_layer").asBoolean(false), h.path("comment").asText("")));
        }
        Map<String, String> labels = new LinkedHashMap<>();
        c.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        List<String> ports = new ArrayList<>();
        c.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        String plat = platform != null ? platform : config.isEmpty() ? "" : platformOf(config);
        return new Image(plat, manifest.digest().toString(), configDigest, size,
                instant(config.path("created").asText(null)), strings(c.path("Entrypoint")), strings(c.path("Cmd")),
                strings(c.path("Env")), ports, labels, c.path("WorkingDir").asText(""), c.path("User").asText(""),
                layers, history);
    }

    private ManifestSummary summary(StoredManifest manifest) {
        ManifestSummary cached = summaries.get(manifest.digest());
        if (cached != null) {
            return cached;
        }
        ManifestSummary computed = computeSummary(manifest);
        if (summaries.size() >= SUMMARY_CACHE_SIZE) {
            summaries.clear();
        }
        summaries.put(manifest.digest(), computed);
        return computed;
    }

    private ManifestSummary computeSummary(StoredManifest manifest) {
        JsonNode root = readJson(manifest.content());
        if (root.has("manifests")) {
            long size = 0;
            List<String> platforms = new ArrayList<>();
            for (JsonNode child : root.path("manifests")) {
                String platform = platformOf(child.path("platform"));
                if (!platform.equals("unknown/unknown") && !platform.isEmpty()) {
                    platforms.add(platform);
                }
                size += child.path("size").asLong(0);
            }
            return new ManifestSummary(size, platforms);
        }
        long size = root.path("config").path("size").asLong(0);
        for (JsonNode layer : root.path("layers")) {
            size += layer.path("size").asLong(0);
        }
        String platform = "";
        Optional<Digest> config = digest(root.path("config").path("digest").asText(""));
        if (config.isPresent()) {
            platform = readBlob(null, config.get()).map(RepositoryService::platformOf).orElse("");
        }
        return new ManifestSummary(size, platform.isEmpty() ? List.of() : List.of(platform));
    }

    private static String platformOf(JsonNode node) {
        String os = node.path("os").asText("");
        String arch = node.path("architecture").asText("");
        if (os.isEmpty() && arch.isEmpty()) {
            return "";
        }
        String variant = node.path("variant").asText("");
        return os + "/" + arch + (variant.isEmpty() ? "" : "/" + variant);
    }

    /** A small JSON blob (an image config), or empty when absent, too big or not JSON. */
    private Optional<JsonNode> readBlob(RepositoryName name, Digest digest) {
        if (name != null && store.linkedBlobSize(name, digest).isEmpty()) {
            return Optional.empty();
        }
        try (FileChannel channel = store.openBlob(digest)) {
            long size = channel.size();
            if (size > MAX_CONFIG_BYTES) {
                return Optional.empty();
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) size);
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // keep reading
            }
            JsonNode node = JSON.readTree(buffer.array());
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode readJson(byte[] content) {
        try {
            JsonNode node = JSON.readTree(content);
            return node == null ? JSON.createObjectNode() : node;
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            out.add(n.asText());
        }
        return out;
    }

    private static Optional<Digest> digest(String text) {
        return text != null && Digest.isValid(text) ? Optional.of(Digest.parse(text)) : Optional.empty();
    }

    private static Instant instant(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        try {
            return java.time.OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static String quote(String s) {
        if (s == null) {
            return "(none)";
        }
        return "\"" + (s.length() > 100 ? s.substring(0, 100) + "..." : s) + "\"";
    }
}
