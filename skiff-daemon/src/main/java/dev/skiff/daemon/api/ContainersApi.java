package dev.skiff.daemon.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.containers.Container;
import dev.skiff.engine.containers.ContainerConfig;
import dev.skiff.engine.containers.ContainerEndpoints;
import dev.skiff.engine.containers.ContainerEngine;
import dev.skiff.engine.containers.ContainerException;
import dev.skiff.engine.containers.ContainerState;
import dev.skiff.engine.containers.HealthMonitor;
import dev.skiff.engine.containers.HostConfig;
import dev.skiff.engine.containers.LogEntry;
import dev.skiff.engine.containers.LogOptions;
import dev.skiff.engine.containers.WaitCondition;
import dev.skiff.engine.images.ImageNotFoundException;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.engine.network.Attachment;
import dev.skiff.engine.network.Network;
import dev.skiff.engine.network.NetworkException;
import dev.skiff.engine.network.PortBinding;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.HumanDuration;
import dev.skiff.http.Exchange;
import io.netty.handler.codec.http.HttpMethod;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Engine API's container routes: create, start, stop, kill, restart, remove, list, inspect, logs,
 * wait, rename, pause and unpause, with docker's field names, status codes and error messages.
 * Attach ({@link ContainerAttach}) joins the client to conmon's attach socket.
 */
final class ContainersApi {
    private static final String PREFIX = "/containers/";

    private final ContainerEngine containers;
    private final ImageStore images;
    private final ContainerAttach attach;

    ContainersApi(ContainerEngine containers, ImageStore images) {
        this.containers = containers;
        this.images = images;
        this.attach = new ContainerAttach(containers);
    }

    /** Handles {@code path} if it is a container route; false otherwise. */
    boolean route(Exchange ex, String path) throws InterruptedException {
        if (!path.startsWith(PREFIX)) {
            return false;
        }
        HttpMethod m = ex.method();
        String rest = path.substring(PREFIX.length());
        try {
            if (rest.equals("json")) {
                EngineApi.allow(m, HttpMethod.GET);
                EngineApi.sendJson(ex, 200, list(ex));
                return true;
            }
            if (rest.equals("prune")) {
                EngineApi.allow(m, HttpMethod.POST);
                Filters filters = Filters.parse(ex.query("filters"), Set.of("label", "until"));
                List<String> removed = containers.prune(c -> filters.matchLabels("label", c.config().labels()));
                ObjectNode out = EngineApi.JSON.createObjectNode();
                ArrayNode deleted = out.putArray("ContainersDeleted");
                removed.forEach(deleted::add);
                out.put("SpaceReclaimed", 0);
                EngineApi.sendJson(ex, 200, out);
                return true;
            }
            if (rest.equals("create")) {
                EngineApi.allow(m, HttpMethod.POST);
                create(ex);
                return true;
            }
            int slash = rest.indexOf('/');
            String ref = slash < 0 ? rest : rest.substring(0, slash);
            String action = slash < 0 ? "" : rest.substring(slash + 1);
            if (ref.isEmpty()) {
                return false;
            }
            switch (action) {
                case "" -> {
                    EngineApi.allow(m, HttpMethod.DELETE);
                    containers.remove(ref, truthy(ex, "force"), truthy(ex, "v"));
                    ex.send(204, Map.of(), new byte[0], "text/plain");
                }
                case "json" -> {
                    EngineApi.allow(m, HttpMethod.GET);
                    EngineApi.sendJson(ex, 200, inspect(containers.get(ref)));
                }
                case "start" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    noContent(ex, containers.start(ref));
                }
                case "stop" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    noContent(ex, containers.stop(ref, timeout(ex)));
                }
                case "restart" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    containers.restart(ref, timeout(ex));
                    noContent(ex, true);
                }
                case "kill" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    containers.kill(ref, ex.query("signal").orElse("KILL"));
                    noContent(ex, true);
                }
                case "pause" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    containers.pause(ref);
                    noContent(ex, true);
                }
                case "unpause" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    containers.unpause(ref);
                    noContent(ex, true);
                }
                case "rename" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    containers.rename(ref, ex.query("name").filter(n -> !n.isEmpty())
                            .orElseThrow(() -> ApiException.badRequest("a new name is required (?name=)")));
                    noContent(ex, true);
                }
                case "wait" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    waitFor(ex, ref);
                }
                case "top" -> {
                    EngineApi.allow(m, HttpMethod.GET);
                    EngineApi.sendJson(ex, 200, top(ref, ex.query("ps_args").filter(a -> !a.isBlank()).orElse("-ef")));
                }
                case "stats" -> {
                    EngineApi.allow(m, HttpMethod.GET);
                    stats(ex, ref);
                }
                case "logs" -> {
                    EngineApi.allow(m, HttpMethod.GET);
                    logs(ex, ref);
                }
                case "attach" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    attach.attach(ex, ref);
                }
                case "resize" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    attach.resize(ex, ref);
                }
                default -> {
                    return false;
                }
            }
            return true;
        } catch (ContainerException.NotFound | ImageNotFoundException e) {
            throw ApiException.notFound(e.getMessage());
        } catch (NetworkException e) {
            throw new ApiException(e.getMessage().endsWith(" not found") ? 404 : 400, e.getMessage());
        } catch (ContainerException.Conflict e) {
            throw ApiException.conflict(e.getMessage());
        } catch (ContainerException.InvalidArgument | FormatException e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (ContainerException.StartFailed e) {
            throw new ApiException(e.userError() ? 400 : 500, e.getMessage());
        } catch (ContainerException.HostFailure e) {
            throw new ApiException(500, e.getMessage());
        }
    }

    private static void noContent(Exchange ex, boolean changed) {
        ex.send(changed ? 204 : 304, Map.of(), new byte[0], "text/plain");
    }

    private static boolean truthy(Exchange ex, String name) {
        return ex.query(name).map(v -> v.equals("1") || v.equalsIgnoreCase("true")).orElse(false);
    }

    private static OptionalInt timeout(Exchange ex) {
        Optional<String> t = ex.query("t").or(() -> ex.query("timeout"));
        if (t.isEmpty() || t.get().isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(t.get()));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid value for t: " + t.get() + " (a number of seconds)");
        }
    }

    // ---- create

    private void create(Exchange ex) throws InterruptedException {
        byte[] body = ex.readBody(4 << 20).orElseThrow(() -> ApiException.badRequest("the request body is larger than 4 MiB"));
        JsonNode root;
        ContainerConfig config;
        HostConfig hostConfig;
        try {
            root = body.length == 0 ? EngineApi.JSON.createObjectNode() : EngineApi.JSON.readTree(body);
            if (root == null || !root.isObject()) {
                throw ApiException.badRequest("the request body must be a JSON object (Config with HostConfig)");
            }
            config = EngineApi.JSON.treeToValue(root, ContainerConfig.class);
            JsonNode host = root.get("HostConfig");
            hostConfig = host == null || host.isNull() ? HostConfig.defaults() : EngineApi.JSON.treeToValue(host, HostConfig.class);
        } catch (JsonProcessingException e) {
            if (e.getCause() instanceof ContainerException.InvalidArgument invalid) {
                throw ApiException.badRequest(invalid.getMessage());
            }
            throw ApiException.badRequest("invalid container configuration: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("invalid container configuration: " + e.getMessage());
        }
        Container c = containers.create(ex.query("name"), config, hostConfig, endpoints(root, hostConfig.networkMode()));
        ObjectNode out = EngineApi.JSON.createObjectNode();
        out.put("Id", c.id());
        out.putArray("Warnings");
        EngineApi.sendJson(ex, 201, out);
    }

    /**
     * {@code NetworkingConfig.EndpointsConfig}: the entry of the network NetworkMode names gives the
     * container's aliases there; every other entry is a further network to join (API 1.44's
     * {@code docker run --network a --network b}).
     */
    private static ContainerEndpoints endpoints(JsonNode root, String networkMode) {
        JsonNode config = root.path("NetworkingConfig").path("EndpointsConfig");
        if (!config.isObject()) {
            return ContainerEndpoints.NONE;
        }
        List<String> aliases = List.of();
        List<ContainerEndpoints.Endpoint> more = new java.util.ArrayList<>();
        for (var entry : config.properties()) {
            List<String> names = new java.util.ArrayList<>();
            entry.getValue().path("Aliases").forEach(a -> names.add(a.asText()));
            String network = entry.getKey();
            boolean first = network.equals(networkMode)
                    || (networkMode.equals("default") && (network.equals("bridge") || network.equals("default")));
            if (first) {
                aliases = names;
            } else {
                more.add(new ContainerEndpoints.Endpoint(network, names));
            }
        }
        return new ContainerEndpoints(aliases, more);
    }

    // ---- list

    private ArrayNode list(Exchange ex) {
        int limit = ex.query("limit").map(ContainersApi::parseInt).orElse(-1);
        ContainerListFilter filter = new ContainerListFilter(Filters.parse(ex.query("filters"), ContainerListFilter.NAMES),
                truthy(ex, "all"), this::containerId, this::imageId);
        List<ContainerListFilter.Candidate> candidates = containers.list().stream().map(this::candidate).toList();
        ArrayNode out = EngineApi.JSON.createArrayNode();
        filter.apply(candidates, limit, candidate -> candidate).forEach(c -> out.add(summary(containers.get(c.id()))));
        return out;
    }

    private Optional<String> containerId(String ref) {
        try {
            return Optional.of(containers.get(ref).id());
        } catch (ContainerException.NotFound e) {
            return Optional.empty();
        }
    }

    private Optional<String> imageId(String ref) {
        try {
            return Optional.of(images.resolve(ref).id().toString());
        } catch (ImageNotFoundException | FormatException e) {
            return Optional.empty(); // docker lists nothing for an unknown ancestor
        }
    }

    private ContainerListFilter.Candidate candidate(Container c) {
        ContainerState s = c.state();
        String health = s.running() ? containers.health(c.id()).map(HealthMonitor.Health::status).orElse("none") : "none";
        List<ContainerListFilter.Volume> mounts = containers.mounts(c).stream()
                .map(m -> new ContainerListFilter.Volume(m.isVolume() ? m.name() : "", m.source().toString(), m.destination())).toList();
        // a container that does not run is on no network yet, but on the one its mode names as far as ps can tell
        String mode = c.hostConfig().networkMode();
        Map<String, String> networks = new java.util.HashMap<>(c.network().map(a -> Map.of(a.networkName(), a.networkId()))
                .orElse(Map.of(mode.equals("default") ? "bridge" : mode, "")));
        containers.attachments(c).forEach(a -> networks.put(a.networkName(), a.networkId()));
        containers.endpoints(c).more().forEach(e -> networks.putIfAbsent(e.network(), ""));
        return new ContainerListFilter.Candidate(c.id(), c.name(), s.status().word(), s.running(), s.exitCode(),
                c.config().labels(), c.imageId().toString(), health, mounts, networks, listedPorts(c));
    }

    private static int parseInt(String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid number: " + v);
        }
    }

    private ObjectNode summary(Container c) {
        ObjectNode n = EngineApi.JSON.createObjectNode();
        n.put("Id", c.id());
        n.putArray("Names").add(c.name());
        n.put("Image", c.config().image());
        n.put("ImageID", c.imageId().toString());
        n.put("Command", String.join(" ", c.config().args()));
        n.put("Created", c.created().getEpochSecond());
        n.set("Ports", ports(c));
        ObjectNode labels = n.putObject("Labels");
        new java.util.TreeMap<>(c.config().labels()).forEach(labels::put);
        n.put("State", c.state().status().word());
        n.put("Status", status(c.state(), Instant.now()) + healthSuffix(c));
        n.putObject("HostConfig").put("NetworkMode", c.hostConfig().networkMode());
        n.putObject("NetworkSettings").set("Networks", networks(c));
        n.set("Mounts", mounts(c));
        return n;
    }

    private static ArrayNode ports(Container c) {
        ArrayNode out = EngineApi.JSON.createArrayNode();
        c.network().ifPresent(a -> {
            for (PortBinding p : a.ports()) {
                out.addObject().put("IP", p.hostIp().isEmpty() ? "0.0.0.0" : p.hostIp()).put("PrivatePort", p.containerPort())
                        .put("PublicPort", p.hostPort()).put("Type", p.protocol());
            }
        });
        listedPorts(c).stream().filter(p -> p.publicPort() == 0)
                .forEach(p -> out.addObject().put("PrivatePort", p.privatePort()).put("Type", p.protocol()));
        return out;
    }

    /** The ports the list shows: the published ones, then those only exposed (public port 0). */
    private static List<ContainerListFilter.Port> listedPorts(Container c) {
        List<ContainerListFilter.Port> out = new java.util.ArrayList<>();
        Set<String> published = new java.util.HashSet<>();
        c.network().ifPresent(a -> {
            for (PortBinding p : a.ports()) {
                out.add(new ContainerListFilter.Port(p.containerPort(), p.hostPort(), p.protocol()));
                published.add(p.containerPort() + "/" + p.protocol());
            }
        });
        if (c.config().exposedPorts() != null) {
            for (String exposed : c.config().exposedPorts().keySet()) {
                String[] pp = exposed.split("/");
                String protocol = pp.length > 1 ? pp[1] : "tcp";
                try {
                    int port = Integer.parseInt(pp[0]);
                    if (published.add(port + "/" + protocol)) {
                        out.add(new ContainerListFilter.Port(port, 0, protocol));
                    }
                } catch (NumberFormatException e) {
                    // a malformed exposed port is not listed
                }
            }
        }
        return out;
    }

    /** docker ps's health note: " (healthy)", " (unhealthy)", " (health: starting)". */
    private String healthSuffix(Container c) {
        if (!c.state().running()) {
            return "";
        }
        return containers.health(c.id()).map(h -> h.status().equals("starting") ? " (health: starting)" : " (" + h.status() + ")")
                .orElse("");
    }

    /** {@code Up 5 seconds}, {@code Exited (3) 2 minutes ago}, {@code Created}: docker's Status column. */
    static String status(ContainerState s, Instant now) {
        return switch (s.status()) {
            case RUNNING -> "Up " + HumanDuration.of(Duration.between(s.startedAt(), now));
            case PAUSED -> "Up " + HumanDuration.of(Duration.between(s.startedAt(), now)) + " (Paused)";
            case EXITED -> s.finishedAt().equals(ContainerState.ZERO) ? "Exited (" + s.exitCode() + ")"
                    : "Exited (" + s.exitCode() + ") " + HumanDuration.of(Duration.between(s.finishedAt(), now)) + " ago";
            case CREATED -> "Created";
            case REMOVING -> "Removal In Progress";
        };
    }

    // ---- inspect

    /** The HostConfig fields dockerd shows that this engine does not use, with the values dockerd shows for them. */
    private static final ObjectNode INSPECT_HOST_DEFAULTS;

    static {
        try {
            INSPECT_HOST_DEFAULTS = (ObjectNode) EngineApi.JSON.readTree("""
                    {"ContainerIDFile":"","VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CgroupnsMode":"host",
                    "DnsOptions":[],"GroupAdd":null,"IpcMode":"private","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"",
                    "SecurityOpt":null,"UTSMode":"","UsernsMode":"","Isolation":"","BlkioWeight":0,"BlkioWeightDevice":[],
                    "BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],
                    "CgroupParent":"","CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"",
                    "CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"KernelMemory":0,
                    "KernelMemoryTCP":0,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":null,"OomKillDisable":false,
                    "Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0}""");
        } catch (JsonProcessingException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ObjectNode inspect(Container c) {
        ObjectNode n = EngineApi.JSON.createObjectNode();
        n.put("Id", c.id());
        n.put("Created", c.created().toString());
        n.put("Path", c.path());
        ArrayNode args = n.putArray("Args");
        c.args().forEach(args::add);
        ContainerState s = c.state();
        ObjectNode state = n.putObject("State");
        state.put("Status", s.status().word());
        state.put("Running", s.running());
        state.put("Paused", s.status() == ContainerState.Status.PAUSED);
        state.put("Restarting", false);
        state.put("OOMKilled", false);
        state.put("Dead", false);
        state.put("Pid", s.pid());
        state.put("ExitCode", s.exitCode());
        state.put("Error", s.error());
        state.put("StartedAt", s.startedAt().toString());
        state.put("FinishedAt", s.finishedAt().toString());
        containers.health(c.id()).ifPresent(h -> {
            ObjectNode health = state.putObject("Health");
            health.put("Status", h.status());
            health.put("FailingStreak", h.failingStreak());
            ArrayNode log = health.putArray("Log");
            for (var p : h.log()) {
                ObjectNode entry = log.addObject();
                entry.put("Start", p.start().toString());
                entry.put("End", p.end().toString());
                entry.put("ExitCode", p.exitCode());
                entry.put("Output", p.output());
            }
        });
        n.put("Image", c.imageId().toString());
        n.put("ResolvConfPath", c.resolvConfPath().toString());
        n.put("HostnamePath", c.hostnamePath().toString());
        n.put("HostsPath", c.hostsPath().toString());
        n.put("LogPath", c.logPath().toString());
        n.put("Name", c.name());
        n.put("RestartCount", c.restartCount());
        n.put("Driver", "overlayfs");
        n.put("Platform", "linux");
        n.put("MountLabel", "");
        n.put("ProcessLabel", "");
        n.put("AppArmorProfile", "");
        n.putNull("ExecIDs");
        ObjectNode host = EngineApi.JSON.valueToTree(c.hostConfig());
        host.putObject("LogConfig").put("Type", "k8s-file").putObject("Config");
        INSPECT_HOST_DEFAULTS.properties().forEach(e -> {
            if (!host.has(e.getKey())) {
                host.set(e.getKey(), e.getValue().deepCopy());
            }
        });
        if (c.hostConfig().privileged()) {
            host.putNull("MaskedPaths"); // as dockerd: a privileged container masks nothing
            host.putNull("ReadonlyPaths");
        } else {
            c.hostConfig().effectiveMaskedPaths().forEach(host.putArray("MaskedPaths")::add);
            c.hostConfig().effectiveReadonlyPaths().forEach(host.putArray("ReadonlyPaths")::add);
        }
        n.set("HostConfig", host);
        ObjectNode graph = n.putObject("GraphDriver");
        ObjectNode data = graph.putObject("Data");
        data.put("MergedDir", c.rootfs().toString());
        data.put("UpperDir", c.dir().resolve("upper").toString());
        data.put("WorkDir", c.dir().resolve("work").toString());
        graph.put("Name", "overlayfs");
        n.set("Mounts", mounts(c));
        n.set("Config", EngineApi.JSON.valueToTree(c.config()));
        n.set("NetworkSettings", networkSettings(c));
        return n;
    }

    /**
     * Mounts as inspect and the list show them: binds, volumes and {@code --mount} tmpfs, in docker's field
     * names ({@code --tmpfs} ones are not mount points in docker either: HostConfig.Tmpfs has them).
     */
    private ArrayNode mounts(Container c) {
        ArrayNode mounts = EngineApi.JSON.createArrayNode();
        for (dev.skiff.engine.containers.MountPoint mp : containers.mounts(c)) {
            ObjectNode mount = mounts.addObject();
            mount.put("Type", mp.type());
            if (mp.isVolume()) {
                mount.put("Name", mp.name());
            }
            mount.put("Source", mp.isTmpfs() ? "" : mp.source().toString());
            mount.put("Destination", mp.destination());
            if (mp.isVolume()) {
                mount.put("Driver", "local");
            }
            mount.put("Mode", mp.isVolume() && mp.mode().isEmpty() ? "z" : mp.mode());
            mount.put("RW", mp.rw());
            mount.put("Propagation", mp.propagation());
        }
        return mounts;
    }

    private ObjectNode networkSettings(Container c) {
        ObjectNode ns = EngineApi.JSON.createObjectNode();
        Optional<Attachment> a = c.network();
        ns.put("Bridge", "");
        ns.put("SandboxID", "");
        ns.put("HairpinMode", false);
        ns.put("LinkLocalIPv6Address", "");
        ns.put("LinkLocalIPv6PrefixLen", 0);
        ObjectNode ports = ns.putObject("Ports");
        if (c.config().exposedPorts() != null) {
            c.config().exposedPorts().keySet().forEach(p -> ports.putNull(p.contains("/") ? p : p + "/tcp"));
        }
        a.ifPresent(att -> {
            for (PortBinding p : att.ports()) {
                String key = p.containerPort() + "/" + p.protocol();
                JsonNode existing = ports.get(key);
                ArrayNode list = existing != null && existing.isArray() ? (ArrayNode) existing : ports.putArray(key);
                list.addObject().put("HostIp", p.hostIp().isEmpty() ? "0.0.0.0" : p.hostIp()).put("HostPort", Integer.toString(p.hostPort()));
            }
        });
        ns.put("SandboxKey", a.flatMap(Attachment::netns).map(Object::toString).orElse(""));
        ns.putNull("SecondaryIPAddresses");
        ns.putNull("SecondaryIPv6Addresses");
        ns.put("EndpointID", a.map(Attachment::endpointId).orElse(""));
        ns.put("Gateway", a.map(Attachment::gateway).orElse(""));
        ns.put("GlobalIPv6Address", "");
        ns.put("GlobalIPv6PrefixLen", 0);
        ns.put("IPAddress", a.map(Attachment::ipAddress).orElse(""));
        ns.put("IPPrefixLen", a.map(Attachment::ipPrefixLength).orElse(0));
        ns.put("IPv6Gateway", "");
        ns.put("MacAddress", a.map(Attachment::macAddress).orElse(""));
        ns.set("Networks", networks(c));
        return ns;
    }

    /** NetworkSettings.Networks: the network it started on, then those it joins besides (empty until it runs). */
    private ObjectNode networks(Container c) {
        ObjectNode networks = EngineApi.JSON.createObjectNode();
        ContainerEndpoints endpoints = containers.endpoints(c);
        String mode = c.hostConfig().networkMode();
        Attachment first = c.network().orElseGet(() -> unattached(mode.equals("default") ? Network.DEFAULT : mode));
        if (!mode.startsWith("container:")) {
            // one that does not run is still on its network, with no address, as dockerd shows it
            networks.set(first.networkName(), endpoint(c, first, endpoints.aliases()));
        }
        List<Attachment> more = containers.attachments(c);
        for (ContainerEndpoints.Endpoint e : endpoints.more()) {
            Attachment joined = more.stream().filter(m -> m.networkName().equals(e.network())).findFirst()
                    .orElse(unattached(e.network()));
            networks.set(e.network(), endpoint(c, joined, e.aliases()));
        }
        return networks;
    }

    private static Attachment unattached(String network) {
        return new Attachment(Optional.empty(), network, "", "", "", 0, "", "", List.of(), List.of(), List.of());
    }

    private static ObjectNode endpoint(Container c, Attachment a, List<String> aliases) {
        ObjectNode e = EngineApi.JSON.createObjectNode();
        e.putNull("IPAMConfig");
        e.putNull("Links");
        if (aliases.isEmpty()) {
            e.putNull("Aliases");
        } else {
            aliases.forEach(e.putArray("Aliases")::add);
        }
        e.put("NetworkID", a.networkId());
        e.put("EndpointID", a.endpointId());
        e.put("Gateway", a.gateway());
        e.put("IPAddress", a.ipAddress());
        e.put("IPPrefixLen", a.ipPrefixLength());
        e.put("IPv6Gateway", "");
        e.put("GlobalIPv6Address", "");
        e.put("GlobalIPv6PrefixLen", 0);
        e.put("MacAddress", a.macAddress());
        e.putNull("DriverOpts");
        // the names other containers resolve it by: on user networks only, as in docker
        if (a.networkName().equals("bridge") || a.networkName().equals("host") || a.networkName().equals("none")) {
            e.putNull("DNSNames");
        } else {
            ArrayNode names = e.putArray("DNSNames").add(c.name().substring(1)).add(c.shortId());
            aliases.forEach(names::add);
        }
        return e;
    }

    // ---- stats

    /**
     * {@code stream=false}: one JSON document; its precpu_stats come from a sample a second earlier
     * (none with {@code one-shot}), so the client can compute a CPU percentage at once. A stream
     * sends a document a second, each with the previous as precpu_stats.
     */
    private void stats(Exchange ex, String ref) throws InterruptedException {
        Container c = containers.get(ref);
        boolean stream = ex.query("stream").map(v -> v.equals("1") || v.equalsIgnoreCase("true")).orElse(true);
        boolean oneShot = truthy(ex, "one-shot");
        if (!stream) {
            Optional<dev.skiff.engine.containers.ResourceUsage> before = oneShot ? Optional.empty() : containers.usage(c.id());
            if (before.isPresent()) {
                Thread.sleep(1000);
            }
            EngineApi.sendJson(ex, 200, statsJson(c, containers.usage(c.id()), before));
            return;
        }
        try {
            ex.sendStream(200, Map.of(), EngineApi.JSON_TYPE, out -> {
                Optional<dev.skiff.engine.containers.ResourceUsage> previous = Optional.empty();
                while (ex.clientConnected()) {
                    Optional<dev.skiff.engine.containers.ResourceUsage> now = containers.usage(c.id());
                    out.write(EngineApi.JSON.writeValueAsBytes(statsJson(c, now, previous)));
                    out.write('\n');
                    out.flush();
                    if (now.isEmpty()) {
                        return;
                    }
                    previous = now;
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            });
        } catch (IOException e) {
            // the client went away
        }
    }

    private static ObjectNode statsJson(Container c, Optional<dev.skiff.engine.containers.ResourceUsage> now,
                                        Optional<dev.skiff.engine.containers.ResourceUsage> before) {
        ObjectNode n = EngineApi.JSON.createObjectNode();
        n.put("read", now.map(u -> u.read().toString()).orElse(ContainerState.ZERO.toString()));
        n.put("preread", before.map(u -> u.read().toString()).orElse(ContainerState.ZERO.toString()));
        n.putObject("pids_stats").put("current", now.map(dev.skiff.engine.containers.ResourceUsage::pids).orElse(0L));
        ObjectNode blkio = n.putObject("blkio_stats");
        for (String k : List.of("io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive", "io_service_time_recursive",
                "io_wait_time_recursive", "io_merged_recursive", "io_time_recursive", "sectors_recursive")) {
            blkio.putNull(k);
        }
        now.filter(u -> !u.blockIo().isEmpty()).ifPresent(u -> {
            ArrayNode bytes = blkio.putArray("io_service_bytes_recursive");
            u.blockIo().forEach(b -> bytes.addObject().put("major", b.major()).put("minor", b.minor()).put("op", b.op()).put("value", b.value()));
        });
        n.put("num_procs", 0);
        n.putObject("storage_stats");
        n.set("cpu_stats", cpuJson(now));
        n.set("precpu_stats", cpuJson(before));
        ObjectNode mem = n.putObject("memory_stats");
        now.ifPresent(u -> {
            mem.put("usage", u.memoryUsage());
            mem.put("max_usage", u.memoryMaxUsage());
            ObjectNode st = mem.putObject("stats");
            u.memoryStat().forEach(st::put);
            mem.put("limit", u.memoryLimit());
        });
        now.filter(u -> !u.networks().isEmpty()).ifPresent(u -> {
            ObjectNode networks = n.putObject("networks");
            u.networks().forEach((name, i) -> networks.putObject(name).put("rx_bytes", i.rxBytes()).put("rx_packets", i.rxPackets())
                    .put("rx_errors", i.rxErrors()).put("rx_dropped", i.rxDropped()).put("tx_bytes", i.txBytes())
                    .put("tx_packets", i.txPackets()).put("tx_errors", i.txErrors()).put("tx_dropped", i.txDropped()));
        });
        n.put("name", c.name());
        n.put("id", c.id());
        return n;
    }

    private static ObjectNode cpuJson(Optional<dev.skiff.engine.containers.ResourceUsage> u) {
        ObjectNode cpu = EngineApi.JSON.createObjectNode();
        ObjectNode usage = cpu.putObject("cpu_usage");
        usage.put("total_usage", u.map(dev.skiff.engine.containers.ResourceUsage::cpuTotalNanos).orElse(0L));
        ArrayNode per = usage.putArray("percpu_usage");
        u.ifPresent(x -> x.perCpuNanos().forEach(per::add));
        usage.put("usage_in_kernelmode", u.map(dev.skiff.engine.containers.ResourceUsage::cpuKernelNanos).orElse(0L));
        usage.put("usage_in_usermode", u.map(dev.skiff.engine.containers.ResourceUsage::cpuUserNanos).orElse(0L));
        if (u.isPresent()) {
            cpu.put("system_cpu_usage", u.get().systemCpuNanos());
            cpu.put("online_cpus", u.get().onlineCpus());
        }
        cpu.putObject("throttling_data").put("periods", 0).put("throttled_periods", 0).put("throttled_time", 0);
        return cpu;
    }

    // ---- top

    /** dockerd's way: the host's {@code ps} with the caller's arguments, rows kept for the container's pids. */
    private ObjectNode top(String ref, String psArgs) {
        Set<Integer> pids = new java.util.HashSet<>(containers.processes(ref));
        List<String> command = new java.util.ArrayList<>(List.of("ps"));
        command.addAll(List.of(psArgs.trim().split("\\s+")));
        String output;
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw ApiException.badRequest("ps " + psArgs + " failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new ApiException(500, "cannot run ps: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(500, "interrupted");
        }
        List<String> lines = output.lines().toList();
        if (lines.isEmpty()) {
            throw ApiException.badRequest("ps " + psArgs + " printed nothing");
        }
        List<String> titles = List.of(lines.getFirst().trim().split("\\s+"));
        int pidColumn = titles.indexOf("PID");
        if (pidColumn < 0) {
            throw ApiException.badRequest("Couldn't find PID field in ps output");
        }
        ObjectNode out = EngineApi.JSON.createObjectNode();
        ArrayNode t = out.putArray("Titles");
        titles.forEach(t::add);
        ArrayNode processes = out.putArray("Processes");
        for (String line : lines.subList(1, lines.size())) {
            // the last column (the command) may hold spaces: split into as many fields as there are titles
            String[] fields = line.trim().split("\\s+", titles.size());
            try {
                if (fields.length > pidColumn && pids.contains(Integer.parseInt(fields[pidColumn]))) {
                    ArrayNode row = processes.addArray();
                    for (String f : fields) {
                        row.add(f);
                    }
                }
            } catch (NumberFormatException e) {
                // not a process row
            }
        }
        return out;
    }

    // ---- wait

    /**
     * The head goes out at once (the CLI opens the wait before it starts the container); the body,
     * {@code {"Error":null,"StatusCode":N}}, when the condition is met. A client that goes away ends it.
     */
    private void waitFor(Exchange ex, String ref) {
        WaitCondition condition = WaitCondition.parse(ex.query("condition").orElse(""));
        CompletableFuture<Integer> done = containers.wait(ref, condition);
        try {
            ex.sendStream(200, Map.of(), EngineApi.JSON_TYPE, out -> {
                out.flush();
                Integer code = null;
                while (code == null) {
                    try {
                        code = done.get(500, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException e) {
                        if (!ex.clientConnected()) {
                            throw new IOException("the client stopped waiting");
                        }
                    } catch (ExecutionException e) {
                        throw new IOException(e.getCause());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted", e);
                    }
                }
                ObjectNode body = EngineApi.JSON.createObjectNode();
                body.putNull("Error");
                body.put("StatusCode", code);
                out.write(EngineApi.JSON.writeValueAsBytes(body));
                out.write('\n');
            });
        } catch (IOException e) {
            // the client went away; the connection is closed
        }
    }

    // ---- logs

    private void logs(Exchange ex, String ref) throws InterruptedException {
        Container c = containers.get(ref);
        boolean stdout = truthy(ex, "stdout");
        boolean stderr = truthy(ex, "stderr");
        if (!stdout && !stderr) {
            throw ApiException.badRequest("Bad parameters: you must choose at least one stream");
        }
        int tail = ex.query("tail").filter(t -> !t.isEmpty() && !t.equals("all")).map(ContainersApi::parseInt).orElse(-1);
        LogOptions options = new LogOptions(stdout, stderr, truthy(ex, "follow"), tail, time(ex, "since"), time(ex, "until"),
                truthy(ex, "timestamps"));
        boolean tty = c.config().tty();
        try {
            ex.sendStream(200, Map.of(), tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream", out -> {
                out.flush();
                try {
                    containers.logs(c.id(), options, ex::clientConnected, (stream, bytes) -> {
                        frame(out, tty, stream, bytes);
                        if (options.follow()) {
                            out.flush();
                        }
                    });
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            });
        } catch (IOException e) {
            // the client went away; the connection is closed
        }
    }

    /** Docker's 8-byte header (stream, 0, 0, 0, big-endian length) unless the container has a TTY. */
    static void frame(OutputStream out, boolean tty, LogEntry.Stream stream, byte[] bytes) throws IOException {
        if (!tty) {
            int n = bytes.length;
            out.write(new byte[]{(byte) (stream == LogEntry.Stream.STDERR ? 2 : 1), 0, 0, 0,
                    (byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        }
        out.write(bytes);
    }

    /** {@code since}/{@code until}: Unix seconds with an optional fraction, as the CLI sends them; 0 means unset. */
    private static Optional<Instant> time(Exchange ex, String name) {
        Optional<String> v = ex.query(name).filter(s -> !s.isEmpty());
        if (v.isEmpty()) {
            return Optional.empty();
        }
        try {
            java.math.BigDecimal d = new java.math.BigDecimal(v.get());
            if (d.signum() == 0) {
                return Optional.empty();
            }
            long seconds = d.longValue();
            long nanos = d.subtract(java.math.BigDecimal.valueOf(seconds)).movePointRight(9).longValue();
            return Optional.of(Instant.ofEpochSecond(seconds, nanos));
        } catch (NumberFormatException e) {
            try {
                return Optional.of(Instant.parse(v.get()));
            } catch (java.time.format.DateTimeParseException e2) {
                throw ApiException.badRequest("invalid value for " + name + ": " + v.get());
            }
        }
    }
}
