package dev.skiff.registry.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.formats.RepositoryName;
import dev.skiff.formats.Tag;
import dev.skiff.registry.storage.RegistryLayout;
import dev.skiff.registry.storage.StorageDriver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Skiff's own per-repository state, outside distribution's tree so distribution still reads the rest:
 *
 * <pre>
 * /skiff/repositories/&lt;name&gt;/_info.json                 description, visibility, creator
 * /skiff/repositories/&lt;name&gt;/_pushes/&lt;tag&gt;.json         last push of each tag
 * </pre>
 * Visibility is asked on every authorized request, so infos are cached in memory; this process is the only
 * writer while it runs.
 */
public final class RepositoryInfoStore {
    static final String ROOT = RegistryLayout.SKIFF + "/repositories";
    static final int MAX_CACHED = 100_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StorageDriver driver;
    private final InstantSource clock;
    private final ConcurrentHashMap<RepositoryName, Optional<RepositoryInfo>> cache = new ConcurrentHashMap<>();

    public RepositoryInfoStore(StorageDriver driver, InstantSource clock) {
        this.driver = driver;
        this.clock = clock;
    }

    public InstantSource clock() {
        return clock;
    }

    /** The storage it keeps infos in; the web site keeps its sessions there too. */
    public StorageDriver driver() {
        return driver;
    }

    /** The stored info, or empty when the repository was never created through the web API. */
    public Optional<RepositoryInfo> info(RepositoryName name) {
        if (cache.size() >= MAX_CACHED) {
            // Clients can ask about any name; forget them all now and then rather than grow without bound.
            cache.clear();
        }
        return cache.computeIfAbsent(name, this::read);
    }

    /** Private repositories are readable by their owner and admins only; unknown ones are public. */
    public boolean isPrivate(RepositoryName name) {
        return info(name).map(RepositoryInfo::isPrivate).orElse(false);
    }

    public synchronized void put(RepositoryName name, RepositoryInfo info) {
        ObjectNode node = JSON.createObjectNode();
        node.put("description", info.description());
        node.put("visibility", info.isPrivate() ? "private" : "public");
        info.createdBy().ifPresent(u -> node.put("createdBy", u));
        node.put("created", info.created().toString());
        try {
            driver.putContent(infoPath(name), JSON.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        cache.put(name, Optional.of(info));
    }

    /** Names of every repository with stored info, sorted (some may have no content yet). */
    public List<RepositoryName> created() {
        List<RepositoryName> names = new ArrayList<>();
        try {
            collect(ROOT, "", names, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Collections.sort(names);
        return names;
    }

    private void collect(String path, String prefix, List<RepositoryName> out, int depth) throws IOException {
        if (depth > 32) {
            return;
        }
        List<String> children = driver.list(path);
        if (!prefix.isEmpty() && children.contains("_info.json") && RepositoryName.isValid(prefix)) {
            out.add(RepositoryName.parse(prefix));
        }
        for (String child : children) {
            if (!child.startsWith("_")) {
                collect(path + "/" + child, prefix.isEmpty() ? child : prefix + "/" + child, out, depth + 1);
            }
        }
    }

    public void recordPush(RepositoryName name, Tag tag, Optional<String> user) {
        ObjectNode node = JSON.createObjectNode();
        node.put("at", clock.instant().toString());
        user.ifPresent(u -> node.put("by", u));
        try {
            driver.putContent(pushPath(name, tag), JSON.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The tag's last push through this registry, or empty when it predates this record. */
    public Optional<TagPush> lastPush(RepositoryName name, Tag tag) {
        try {
            JsonNode node = JSON.readTree(driver.getContent(pushPath(name, tag)));
            Optional<String> by = node.hasNonNull("by") ? Optional.of(node.get("by").asText()) : Optional.empty();
            return Optional.of(new TagPush(Instant.parse(node.path("at").asText()), by));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | java.time.format.DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private Optional<RepositoryInfo> read(RepositoryName name) {
        byte[] content;
        try {
            content = driver.getContent(infoPath(name));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            JsonNode node = JSON.readTree(content);
            Optional<String> by = node.hasNonNull("createdBy") ? Optional.of(node.get("createdBy").asText()) : Optional.empty();
            Instant created;
            try {
                created = Instant.parse(node.path("created").asText());
            } catch (java.time.format.DateTimeParseException e) {
                created = Instant.EPOCH;
            }
            // Anything but an explicit "public" is private: a damaged file must not expose a repository.
            boolean isPrivate = !node.path("visibility").asText().equals("public");
            return Optional.of(new RepositoryInfo(node.path("description").asText(""), isPrivate, by, created));
        } catch (IOException e) {
            System.err.println("skiff registry: " + infoPath(name) + " is damaged (" + e.getMessage()
                    + "); treating " + name + " as private until it is fixed");
            return Optional.of(new RepositoryInfo("", true, Optional.empty(), Instant.EPOCH));
        }
    }

    private static String infoPath(RepositoryName name) {
        return ROOT + "/" + name.value() + "/_info.json";
    }

    private static String pushPath(RepositoryName name, Tag tag) {
        return ROOT + "/" + name.value() + "/_pushes/" + tag.value() + ".json";
    }
}
