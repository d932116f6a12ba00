package dev.skiff.engine.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.AtomicFiles;
import dev.skiff.engine.network.Attachment;
import dev.skiff.engine.network.PortBinding;
import dev.skiff.formats.Digest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The containers on disk: {@code <data-root>/containers/<id>/container.json}, one atomically written
 * document each, mirrored in memory. Resolves references as docker does: full ID, then name, then a
 * unique ID prefix. Callers serialize changes to one container themselves; the store only keeps the
 * map and the names consistent.
 */
final class ContainerStore {
    static final String METADATA = "container.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");

    private final Path root;
    private final Map<String, Container> byId = new HashMap<>();
    private final Map<String, String> idByName = new HashMap<>();

    private ContainerStore(Path root) {
        this.root = root;
    }

    /** Reads every container under {@code root}; a directory without a readable record (a crashed create) is removed. */
    static ContainerStore open(Path root) {
        ContainerStore store = new ContainerStore(root);
        try {
            Files.createDirectories(root);
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
                for (Path dir : dirs) {
                    if (!ID.matcher(dir.getFileName().toString()).matches()) {
                        continue;
                    }
                    AtomicFiles.removeTemporaries(dir);
                    Path file = dir.resolve(METADATA);
                    if (!Files.exists(file)) {
                        continue; // the engine removes leftovers once it knows nothing is mounted there
                    }
                    Container c;
                    try {
                        c = read(dir, JSON.readTree(file.toFile()));
                    } catch (IOException | RuntimeException e) {
                        // one unreadable record must not keep the daemon from starting; it stays on disk for a person to look at
                        System.getLogger(ContainerStore.class.getName()).log(System.Logger.Level.WARNING,
                                "skipping container " + dir.getFileName() + ": its " + METADATA + " is unreadable: " + e.getMessage());
                        continue;
                    }
                    store.byId.put(c.id(), c);
                    store.idByName.put(c.name(), c.id());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the containers in " + root, e);
        }
        return store;
    }

    Path root() {
        return root;
    }

    synchronized List<Container> list() {
        List<Container> all = new ArrayList<>(byId.values());
        all.sort(Comparator.comparing(Container::created).reversed());
        return all;
    }

    synchronized Optional<Container> byId(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Full ID, then exact name, then unique ID prefix: docker's order. */
    synchronized Container resolve(String ref) {
        if (ref.isEmpty()) {
            throw new ContainerException.NotFound(ref);
        }
        Container c = byId.get(ref);
        if (c != null) {
            return c;
        }
        String id = idByName.get(ref.startsWith("/") ? ref : "/" + ref);
        if (id != null) {
            return byId.get(id);
        }
        List<Container> matches = byId.values().stream().filter(x -> x.id().startsWith(ref)).toList();
        if (matches.size() > 1) {
            throw new ContainerException.InvalidArgument("Multiple IDs found with provided prefix: " + ref);
        }
        if (matches.isEmpty()) {
            throw new ContainerException.NotFound(ref);
        }
        return matches.getFirst();
    }

    /** Claims a name for a new container, or throws docker's conflict. */
    synchronized void add(Container c) {
        checkFree(c.name(), c.id());
        write(c);
        byId.put(c.id(), c);
        idByName.put(c.name(), c.id());
    }

    synchronized boolean nameTaken(String name) {
        return idByName.containsKey(name);
    }

    synchronized void update(Container c) {
        Container old = byId.get(c.id());
        if (old == null) {
            throw new ContainerException.NotFound(c.id());
        }
        if (!old.name().equals(c.name())) {
            checkFree(c.name(), c.id());
            idByName.remove(old.name());
            idByName.put(c.name(), c.id());
        }
        write(c);
        byId.put(c.id(), c);
    }

    synchronized void remove(Container c) {
        byId.remove(c.id());
        idByName.remove(c.name(), c.id());
    }

    private void checkFree(String name, String id) {
        String holder = idByName.get(name);
        if (holder != null && !holder.equals(id)) {
            throw new ContainerException.Conflict("Conflict. The container name \"" + name
                    + "\" is already in use by container \"" + holder
                    + "\". You have to remove (or rename) that container to be able to reuse that name.");
        }
    }

    private static void write(Container c) {
        try {
            Files.createDirectories(c.dir());
            AtomicFiles.write(c.dir().resolve(METADATA), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(toJson(c)));
        } catch (IOException e) {
            throw new ContainerException.HostFailure("cannot record container " + c.id() + " in " + c.dir() + ": " + e.getMessage(), e);
        }
    }

    // ---- the wire form of container.json, kept apart from the record

    static ObjectNode toJson(Container c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("SchemaVersion", 1);
        n.put("Id", c.id());
        n.put("Name", c.name());
        n.put("Created", c.created().toString());
        n.put("Image", c.imageId().toString());
        n.set("Config", JSON.valueToTree(c.config()));
        n.set("HostConfig", JSON.valueToTree(c.hostConfig()));
        ObjectNode s = n.putObject("State");
        s.put("Status", c.state().status().word());
        s.put("Pid", c.state().pid());
        s.put("ExitCode", c.state().exitCode());
        s.put("StartedAt", c.state().startedAt().toString());
        s.put("FinishedAt", c.state().finishedAt().toString());
        s.put("Error", c.state().error());
        n.put("RestartCount", c.restartCount());
        c.network().ifPresent(a -> {
            ObjectNode net = n.putObject("Network");
            net.put("Netns", a.netns().map(Path::toString).orElse(""));
            net.put("NetworkName", a.networkName());
            net.put("NetworkId", a.networkId());
            net.put("EndpointId", a.endpointId());
            net.put("IpAddress", a.ipAddress());
            net.put("IpPrefixLength", a.ipPrefixLength());
            net.put("Gateway", a.gateway());
            net.put("MacAddress", a.macAddress());
            var ports = net.putArray("Ports");
            for (PortBinding p : a.ports()) {
                ports.addObject().put("Protocol", p.protocol()).put("ContainerPort", p.containerPort())
                        .put("HostIp", p.hostIp()).put("HostPort", p.hostPort());
            }
            var ns = net.putArray("Nameservers");
            a.nameservers().forEach(ns::add);
            var sd = net.putArray("SearchDomains");
            a.searchDomains().forEach(sd::add);
        });
        return n;
    }

    static Container read(Path dir, JsonNode n) throws IOException {
        JsonNode s = n.path("State");
        ContainerState state = new ContainerState(ContainerState.Status.of(s.path("Status").asText()),
                s.path("Pid").asInt(), s.path("ExitCode").asInt(), Instant.parse(s.path("StartedAt").asText()),
                Instant.parse(s.path("FinishedAt").asText()), s.path("Error").asText());
        Optional<Attachment> network = Optional.empty();
        JsonNode net = n.get("Network");
        if (net != null) {
            List<PortBinding> ports = new ArrayList<>();
            net.path("Ports").forEach(p -> ports.add(new PortBinding(p.path("Protocol").asText(), p.path("ContainerPort").asInt(),
                    p.path("HostIp").asText(), p.path("HostPort").asInt())));
            List<String> ns = new ArrayList<>();
            net.path("Nameservers").forEach(x -> ns.add(x.asText()));
            List<String> sd = new ArrayList<>();
            net.path("SearchDomains").forEach(x -> sd.add(x.asText()));
            String netns = net.path("Netns").asText();
            network = Optional.of(new Attachment(netns.isEmpty() ? Optional.empty() : Optional.of(Path.of(netns)),
                    net.path("NetworkName").asText(), net.path("NetworkId").asText(), net.path("EndpointId").asText(),
                    net.path("IpAddress").asText(), net.path("IpPrefixLength").asInt(), net.path("Gateway").asText(),
                    net.path("MacAddress").asText(), ports, ns, sd));
        }
        return new Container(n.path("Id").asText(), n.path("Name").asText(), Instant.parse(n.path("Created").asText()),
                Digest.parse(n.path("Image").asText()), JSON.treeToValue(n.path("Config"), ContainerConfig.class),
                JSON.treeToValue(n.path("HostConfig"), HostConfig.class), state, n.path("RestartCount").asInt(), network, dir);
    }
}
