package dev.skiff.engine.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.AtomicFiles;
import dev.skiff.engine.network.NetworkFiles.AttachmentFile;
import dev.skiff.engine.network.NetworkFiles.EndpointFile;
import dev.skiff.engine.network.NetworkFiles.PortFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Container networking on the standard CNI plugins (Debian's containernetworking-plugins) and iptables.
 *
 * <p>Each bridge network is one CNI chain, invoked plugin by plugin as the CNI 1.0 spec says a runtime
 * must: {@code bridge} (veth into the namespace, the network's bridge, an address from
 * {@code host-local}, IP forwarding), then {@code portmap} when ports are published. The namespace's
 * own {@code lo} is brought up by the {@code loopback} plugin. Outbound NAT, isolation between
 * networks and the forwarding accepts (needed where the FORWARD policy is DROP, as dockerd leaves it)
 * are rules per network ({@link Iptables#networkScript}), installed once when the first container
 * joins, as dockerd keeps them per bridge: the plugins' per-container rules for the same (bridge's
 * ipMasq, the firewall plugin) cost about twenty iptables runs at each start and stop.
 *
 * <p>Published ports: portmap's DNAT rules catch connections to any local address, in PREROUTING (other
 * hosts) and OUTPUT (this host). For 127.0.0.1 it marks the connection for masquerade and sets
 * {@code route_localnet} on the bridge ({@code snat: true}), so a DNATed packet from 127.0.0.1 may leave
 * through the bridge and the container replies to the bridge's address. That reproduces what dockerd's
 * userland proxy gives (127.0.0.1:port reaches the container) without a proxy process per port. The
 * daemon also binds each published port itself ({@link PortReservations}) to detect and keep out host
 * processes, as dockerd 28 does.
 *
 * <p>State: {@code <dataRoot>/network/} (see {@link NetworkFiles}); namespaces under
 * {@code <execRoot>/netns/}. Every step of an attach is recorded before it is taken, so {@link #open}
 * can undo an attach a crash interrupted, and {@link #detach} works from the saved CNI result after a
 * daemon restart, with or without the namespace.
 */
public final class CniNetworking implements ContainerNetworking, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CniNetworking.class.getName());
    private static final Path PLUGIN_DIR = Path.of("/usr/lib/cni");
    private static final Path RESOLV_CONF = Path.of("/etc/resolv.conf");
    private static final String IFNAME = "eth0";
    /** docker's {@code --network container:<id>}: share another container's namespace. */
    private static final String CONTAINER_MODE = "container:";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ObjectMapper json = new ObjectMapper();
    private final Path endpointDir;
    private final Path ipamDir;
    private final NetNamespaces namespaces;
    private final CniPlugins plugins;
    private final CniChains chains;
    private final PortReservations ports = new PortReservations();
    private final Map<String, EndpointFile> endpoints = new ConcurrentHashMap<>();
    private final Map<String, EmbeddedDns> dnsByNetwork = new ConcurrentHashMap<>();
    /** The bridge networks whose iptables rules this daemon installed (or replaced), by ID: bridge name. */
    private final Map<String, String> networkRules = new ConcurrentHashMap<>();
    /** Detaches running in the background, by container ID: {@link #detachInBackground}. */
    private final Map<String, CompletableFuture<Void>> detaching = new ConcurrentHashMap<>();
    private final Networks networks;
    private final Path resolvConf;

    private CniNetworking(Path dataRoot, Path execRoot, DefaultBridge bridge, AddressPool pool, Path resolvConf) {
        Path root = dataRoot.resolve("network");
        this.endpointDir = root.resolve("endpoints");
        this.ipamDir = root.resolve("ipam");
        this.resolvConf = resolvConf;
        try {
            Files.createDirectories(endpointDir);
            Files.createDirectories(ipamDir);
        } catch (IOException e) {
            throw new NetworkException("cannot create " + root + ": " + e.getMessage(), e);
        }
        this.namespaces = new NetNamespaces(execRoot);
        this.plugins = new CniPlugins(PLUGIN_DIR, json);
        this.chains = new CniChains(json, ipamDir);
        this.networks = Networks.open(root.resolve("networks"), json, bridge, pool, new Networks.Use() {
            @Override
            public boolean hasEndpoints(String networkId) {
                awaitDetaches(); // a container removed just before is not in the way
                return endpoints.values().stream().anyMatch(e -> networkId.equals(e.networkId()));
            }

            @Override
            public void removed(Network network) {
                tearDownNetwork(network);
            }
        });
    }

    /** Opens networking with the standard pool for user networks (10.87.0.0/16 in /24s). */
    public static CniNetworking open(Path dataRoot, Path execRoot, DefaultBridge bridge) {
        return open(dataRoot, execRoot, bridge, AddressPool.STANDARD);
    }

    /**
     * Opens networking and repairs what a crash left: an attach that never finished is undone (CNI DEL
     * of its plugins, its rules, namespace and record), a namespace without a record is removed. The
     * containers attached before keep their ports reserved and their names resolvable.
     */
    public static CniNetworking open(Path dataRoot, Path execRoot, DefaultBridge bridge, AddressPool pool) {
        CniNetworking n = new CniNetworking(dataRoot, execRoot, bridge, pool, RESOLV_CONF);
        n.recover();
        return n;
    }

    @Override
    public String networkName(String ref) {
        return networks.get(ref).name();
    }

    /** The networks this daemon knows, for {@code docker network create|ls|inspect|rm}. */
    public Networks networks() {
        return networks;
    }

    @Override
    public Attachment attach(AttachRequest request) {
        return attachInBackground(request).await();
    }

    /**
     * On a bridge network the namespace is made and the ports reserved here, and the plugin chain runs
     * on a virtual thread (undoing itself if it fails); the other modes finish before returning.
     */
    @Override
    public PendingAttachment attachInBackground(AttachRequest request) {
        String id = request.containerId();
        Names.requireContainerId(id);
        finishDetach(id);
        if (endpoints.containsKey(id) || Files.exists(endpointFile(id))) {
            throw new NetworkException("container " + id + " is already attached to a network: detach it first");
        }
        List<PortBinding> requested = request.ports().stream().map(CniNetworking::validated).toList();
        if (request.networkMode().startsWith(CONTAINER_MODE)) {
            return PendingAttachment.done(joinContainer(request.networkMode().substring(CONTAINER_MODE.length())));
        }
        Network network = switch (request.networkMode()) {
            case "default", "", Network.DEFAULT -> networks.defaultNetwork();
            default -> networks.get(request.networkMode());
        };
        return switch (network.driver()) {
            case "host" -> PendingAttachment.done(hostAttachment(network));
            case "null" -> PendingAttachment.done(attachNone(request, network));
            default -> attachBridge(request, network, requested);
        };
    }

    @Override
    public void detach(String containerId) {
        Names.requireContainerId(containerId);
        for (EndpointFile extra : extraEndpoints(containerId)) {
            tearDown(extra);
        }
        EndpointFile endpoint = endpoints.get(containerId);
        if (endpoint == null) {
            endpoint = readEndpoint(endpointFile(containerId)).orElse(null);
        }
        if (endpoint == null) {
            namespaces.delete(containerId);
            Iptables.removeRules(containerId, Iptables.containerMarker(containerId));
            return;
        }
        tearDown(endpoint);
    }

    /**
     * Marks the container's endpoints "detaching" (saved, so {@link #open} finishes the work after a
     * crash) and takes its names out of DNS, then runs {@link #detach} on a virtual thread. A container
     * with published ports is detached at once instead: its host ports must be free for reuse when
     * this returns, and portmap's DNAT rules must be gone before another container maps the same port.
     */
    @Override
    public void detachInBackground(String containerId) {
        Names.requireContainerId(containerId);
        finishDetach(containerId);
        EndpointFile primary = endpoints.get(containerId);
        if (primary == null || !primary.portBindings().isEmpty()) {
            detach(containerId);
            return;
        }
        List<EndpointFile> mine = new ArrayList<>(extraEndpoints(containerId));
        mine.add(primary);
        for (EndpointFile e : mine) {
            saveEndpoint(e.detaching());
            EmbeddedDns dns = dnsByNetwork.get(e.networkId());
            if (dns != null) {
                dns.unregister(containerId);
            }
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        detaching.put(containerId, done);
        Thread.ofVirtual().name("skiff-detach-" + containerId.substring(0, 12)).start(() -> {
            try {
                detach(containerId);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "could not remove the network of container " + containerId
                        + " (the next attach of it, or the next daemon start, tries again): " + e.getMessage(), e);
            } finally {
                detaching.remove(containerId, done);
                done.complete(null);
            }
        });
    }

    /** Waits (at most a minute each) for the background detaches begun so far. */
    @Override
    public void awaitDetaches() {
        for (CompletableFuture<Void> f : List.copyOf(detaching.values())) {
            await(f);
        }
    }

    /**
     * Before anything new happens to a container's network: its background detach is waited for, and
     * one that failed (its record still says "detaching") is tried again here, so its failure is the
     * caller's to see.
     */
    private void finishDetach(String containerId) {
        CompletableFuture<Void> pending = detaching.get(containerId);
        if (pending != null) {
            await(pending);
        }
        EndpointFile left = endpoints.get(containerId);
        if (left != null && EndpointFile.DETACHING.equals(left.state())) {
            detach(containerId);
        }
    }

    private static void await(CompletableFuture<Void> f) {
        try {
            f.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetworkException("interrupted while waiting for a network detach", e);
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "a background network detach did not finish: " + e);
        }
    }

    /**
     * {@code docker network connect}: a further interface ({@code eth1}, ...) in the container's
     * namespace, on another bridge network. It brings no default route (the first network keeps it,
     * as in docker) and no published ports; the container's names resolve on that network too.
     */
    @Override
    public Attachment connect(String containerId, String network, List<String> aliases) {
        Names.requireContainerId(containerId);
        EndpointFile primary = endpoints.get(containerId);
        if (primary == null || !EndpointFile.ATTACHED.equals(primary.state())) {
            throw new NetworkException("container " + containerId + " has no network namespace of its own to connect"
                    + " (host network, or not created yet)");
        }
        Network target = networks.get(network);
        if (primary.plugins() == null || primary.plugins().isEmpty() || !target.driver().equals("bridge")) {
            throw new NetworkException("container cannot be connected to multiple networks with one of the networks"
                    + " in private (none) or host mode");
        }
        List<EndpointFile> mine = new ArrayList<>(extraEndpoints(containerId));
        mine.add(primary);
        if (mine.stream().anyMatch(e -> e.networkId().equals(target.id()))) {
            throw new NetworkException("endpoint with name " + primary.hostname() + " already exists in network "
                    + target.name());
        }
        int n = 1;
        while (true) {
            String candidate = "eth" + n;
            if (mine.stream().noneMatch(e -> e.ifName().equals(candidate))) {
                break;
            }
            n++;
        }
        EndpointFile endpoint;
        synchronized (networks) {
            if (networks.find(target.id()).isEmpty()) {
                throw new NetworkException("network " + target.name() + " not found");
            }
            endpoint = new EndpointFile(NetworkFiles.SCHEMA, containerId, EndpointFile.ATTACHING, target.id(),
                    target.name(), newId(), primary.netns(), "eth" + n, primary.hostname(), List.copyOf(aliases),
                    List.of(), chains.forNetwork(target, List.of(), false), null, null);
            saveEndpoint(endpoint);
        }
        try {
            return join(endpoint, target, Path.of(primary.netns()));
        } catch (RuntimeException e) {
            undo(endpoint, e);
            throw e;
        }
    }

    /**
     * {@code docker network disconnect} of a network joined with {@link #connect}. The first network
     * stays until {@link #detach}: taking it away would leave the container without its default route.
     */
    @Override
    public void disconnect(String containerId, String network) {
        Names.requireContainerId(containerId);
        Network target = networks.get(network);
        Optional<EndpointFile> extra = extraEndpoints(containerId).stream()
                .filter(e -> e.networkId().equals(target.id())).findFirst();
        if (extra.isPresent()) {
            tearDown(extra.get());
            return;
        }
        EndpointFile primary = endpoints.get(containerId);
        if (primary != null && primary.networkId().equals(target.id())) {
            throw new NetworkException("cannot disconnect container " + containerId + " from network " + target.name()
                    + ": it is the network the container was started on; skiff cannot take that one away yet");
        }
        throw new NetworkException("container " + containerId + " is not connected to network " + target.name());
    }

    @Override
    public List<Attachment> attachments(String containerId) {
        Names.requireContainerId(containerId);
        List<Attachment> out = new ArrayList<>();
        attachment(containerId).ifPresent(out::add);
        extraEndpoints(containerId).stream().filter(e -> EndpointFile.ATTACHED.equals(e.state()))
                .map(this::toAttachment).forEach(out::add);
        return out;
    }

    private List<EndpointFile> extraEndpoints(String containerId) {
        return endpoints.values().stream()
                .filter(e -> e.containerId().equals(containerId) && !isPrimary(e))
                .sorted(java.util.Comparator.comparing(EndpointFile::ifName).reversed())
                .toList();
    }

    /** The endpoint attach made (eth0, or the loopback-only one of "none") owns the namespace and the ports. */
    private static boolean isPrimary(EndpointFile e) {
        return IFNAME.equals(e.ifName());
    }

    /** The key of an endpoint in the map and its file's name: the container ID, plus the network for extras. */
    private static String key(EndpointFile e) {
        return isPrimary(e) ? e.containerId() : e.containerId() + "+" + e.networkId();
    }

    /** The attachment a container got, for a daemon that restarted and rebuilds its view. */
    public Optional<Attachment> attachment(String containerId) {
        Names.requireContainerId(containerId);
        EndpointFile e = endpoints.get(containerId);
        if (e == null || !EndpointFile.ATTACHED.equals(e.state())) {
            return Optional.empty();
        }
        return Optional.of(toAttachment(e));
    }

    /** The containers attached to a network and what each got, for {@code docker network inspect}. */
    public Map<String, Attachment> attachmentsOn(String networkId) {
        Map<String, Attachment> out = new java.util.TreeMap<>();
        endpoints.values().stream()
                .filter(e -> networkId.equals(e.networkId()) && EndpointFile.ATTACHED.equals(e.state()))
                .forEach(e -> out.put(e.containerId(), toAttachment(e)));
        return out;
    }

    /**
     * {@code docker rename}: on every network it is on, the container answers to its new name instead
     * of the old one. Names only resolve on user networks; on the default bridge, as in docker, they
     * are kept but not served.
     */
    @Override
    public void renamed(String containerId, String oldName, String newName) {
        Names.requireContainerId(containerId);
        for (EndpointFile e : List.copyOf(endpoints.values())) {
            if (!e.containerId().equals(containerId) || !EndpointFile.ATTACHED.equals(e.state()) || e.aliases() == null) {
                continue;
            }
            List<String> aliases = e.aliases().stream().map(a -> a.equals(oldName) ? newName : a).toList();
            EndpointFile renamed = e.withNames(e.hostname(), aliases);
            saveEndpoint(renamed);
            EmbeddedDns dns = dnsByNetwork.get(e.networkId());
            if (dns != null && e.attachment() != null) {
                dns.unregister(containerId);
                dns.register(containerId, renamed.names(), e.attachment().ipAddress());
            }
        }
    }

    /**
     * Finishes the background detaches, then stops the DNS responders and gives up the held ports;
     * attachments stay for the next start.
     */
    @Override
    public void close() {
        awaitDetaches();
        dnsByNetwork.values().forEach(EmbeddedDns::close);
        dnsByNetwork.clear();
        ports.releaseAll();
    }

    // ---- modes

    private Attachment hostAttachment(Network network) {
        HostResolvConf host = HostResolvConf.read(resolvConf);
        return new Attachment(Optional.empty(), network.name(), network.id(), "", "", 0, "", "", List.of(),
                host.nameservers().isEmpty() ? HostResolvConf.FALLBACK : host.nameservers(), host.searchDomains());
    }

    /**
     * {@code --network container:<id>}: the other container's namespace, shared; nothing of its own to
     * set up or, on detach, to remove (no record is written, so detach finds nothing of this container).
     * The daemon resolves a name or short ID to the full ID first.
     */
    private Attachment joinContainer(String otherId) {
        Names.requireContainerId(otherId);
        EndpointFile other = endpoints.get(otherId);
        if (other == null || !EndpointFile.ATTACHED.equals(other.state())) {
            throw new NetworkException("cannot join network namespace of a non running container: " + otherId);
        }
        return toAttachment(other);
    }

    private Attachment attachNone(AttachRequest request, Network network) {
        String id = request.containerId();
        HostResolvConf host = HostResolvConf.read(resolvConf);
        AttachmentFile done = new AttachmentFile("", 0, "", "", host.forContainer(), host.searchDomains());
        EndpointFile endpoint = new EndpointFile(NetworkFiles.SCHEMA, id, EndpointFile.ATTACHING, network.id(),
                network.name(), newId(), namespaces.pathOf(id).toString(), IFNAME, request.hostname(),
                request.aliases(), List.of(), List.of(), null, done);
        saveEndpoint(endpoint);
        try {
            Path netns = namespaces.create(id);
            plugins.add(chains.loopback(), Optional.empty(), new CniPlugins.Target(id, netns, "lo"));
            endpoint = endpoint.attached(null, done);
            saveEndpoint(endpoint);
            return toAttachment(endpoint);
        } catch (RuntimeException e) {
            undo(endpoint, e);
            throw e;
        }
    }

    private PendingAttachment attachBridge(AttachRequest request, Network network, List<PortBinding> requested) {
        String id = request.containerId();
        EndpointFile endpoint;
        // Under the store's lock, so a network is never removed between this check and the record.
        synchronized (networks) {
            if (networks.find(network.id()).isEmpty()) {
                throw new NetworkException("network " + network.name() + " not found");
            }
            List<PortBinding> published = ports.reserve(id, requested);
            endpoint = new EndpointFile(NetworkFiles.SCHEMA, id, EndpointFile.ATTACHING, network.id(), network.name(),
                    newId(), namespaces.pathOf(id).toString(), IFNAME, request.hostname(), request.aliases(),
                    published.stream().map(PortFile::of).toList(), chains.forNetwork(network, published, true), null, null);
            try {
                saveEndpoint(endpoint);
            } catch (RuntimeException e) {
                ports.release(id);
                throw e;
            }
        }
        Path netns;
        try {
            netns = namespaces.create(id);
        } catch (RuntimeException e) {
            undo(endpoint, e);
            throw e;
        }
        EndpointFile saved = endpoint;
        CompletableFuture<Attachment> done = new CompletableFuture<>();
        Thread.ofVirtual().name("skiff-attach-" + id.substring(0, 12)).start(() -> {
            try {
                plugins.add(chains.loopback(), Optional.empty(), new CniPlugins.Target(id, netns, "lo"));
                Attachment joined = join(saved, network, netns);
                ports.forward(id, joined.ipAddress());
                done.complete(joined);
            } catch (RuntimeException e) {
                undo(saved, e);
                done.completeExceptionally(e);
            } catch (Throwable t) {
                done.completeExceptionally(t);
                throw t;
            }
        });
        return new PendingAttachment(Optional.of(netns), done);
    }

    /** Runs the endpoint's plugin chain in the namespace, then Skiff's own rules and DNS names; saves the result. */
    private Attachment join(EndpointFile endpoint, Network network, Path netns) {
        String id = endpoint.containerId();
        networkRules.computeIfAbsent(network.id(), k -> {
            Iptables.installNetwork(network, networks.defaultNetwork().bridge().orElseThrow());
            return network.bridge().orElseThrow();
        });
        Optional<JsonNode> result = Optional.empty();
        for (ObjectNode plugin : endpoint.plugins()) {
            result = Optional.of(plugins.add(plugin, result, new CniPlugins.Target(id, netns, endpoint.ifName())));
            if (endpoint.result() == null) {
                // The bridge plugin's result names the leased address; the firewall plugin's DEL needs
                // it to find its rules should a crash interrupt the rest of this attach.
                endpoint = endpoint.withResult(result.get());
                saveEndpoint(endpoint);
            }
        }
        JsonNode cniResult = result.orElseThrow();
        CniChains.Address address = CniChains.Address.of(cniResult);
        List<String> nameservers = HostResolvConf.read(resolvConf).forContainer();
        if (!network.name().equals(Network.DEFAULT)) {
            Optional<EmbeddedDns> dns = dns(network, address.gateway());
            if (dns.isPresent()) {
                dns.get().register(id, endpoint.names(), address.ip());
                nameservers = List.of(address.gateway());
            }
        }
        AttachmentFile done = new AttachmentFile(address.ip(), address.prefixLength(), address.gateway(),
                address.mac(), nameservers, HostResolvConf.read(resolvConf).searchDomains());
        endpoint = endpoint.attached(cniResult, done);
        saveEndpoint(endpoint);
        return toAttachment(endpoint);
    }

    // ---- undo

    /** Undoes a failed attach, keeping the original failure as what the user sees. */
    private void undo(EndpointFile endpoint, RuntimeException failure) {
        try {
            // The latest saved state: it has the CNI result once the bridge plugin gave one.
            tearDown(endpoints.getOrDefault(key(endpoint), endpoint));
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
            LOG.log(System.Logger.Level.WARNING, "could not undo the failed network attach of " + endpoint.containerId(), e);
        }
    }

    /**
     * DEL of every plugin in reverse order with the cached result (CNI spec "Deleting attachments"),
     * then the container's iptables rules, DNS names, ports and namespace; the record goes last, so a
     * failure leaves it for a second try. Plugins must treat missing resources as deleted, so DEL of an
     * attach that never finished is safe.
     */
    private void tearDown(EndpointFile endpoint) {
        String id = endpoint.containerId();
        boolean primary = isPrimary(endpoint);
        List<RuntimeException> failures = new ArrayList<>();
        Optional<JsonNode> prev = Optional.ofNullable(endpoint.result()).filter(r -> !r.isNull());
        Path netns = namespaces.pathOf(id);
        List<ObjectNode> chain = endpoint.plugins() == null ? List.of() : endpoint.plugins();
        for (int i = chain.size() - 1; i >= 0; i--) {
            try {
                plugins.del(chain.get(i), prev, new CniPlugins.Target(id, netns, endpoint.ifName()));
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        try {
            Iptables.removeRules(id, primary ? Iptables.containerMarker(id) : Iptables.endpointMarker(endpoint.networkName(), id),
                    Iptables.pluginChains(endpoint.networkName(), id));
        } catch (RuntimeException e) {
            failures.add(e);
        }
        EmbeddedDns dns = dnsByNetwork.get(endpoint.networkId());
        if (dns != null) {
            dns.unregister(id);
        }
        if (primary) {
            ports.release(id);
            try {
                namespaces.delete(id);
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            NetworkException e = new NetworkException("could not remove the network of container " + id + ": "
                    + failures.getFirst().getMessage());
            failures.forEach(e::addSuppressed);
            throw e;
        }
        deleteEndpoint(endpoint);
    }

    /** A removed network's bridge, leases and DNS responder go with it. */
    private void tearDownNetwork(Network network) {
        EmbeddedDns dns = dnsByNetwork.remove(network.id());
        if (dns != null) {
            dns.close();
        }
        network.bridge().ifPresent(b -> {
            Commands.run(List.of("ip", "link", "delete", b, "type", "bridge"));
            networkRules.remove(network.id());
            try {
                Iptables.removeNetwork(network.name(), b);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "could not remove the iptables rules of network " + network.name(), e);
            }
        });
        deleteTree(ipamDir.resolve(network.name()));
    }

    // ---- recovery

    private void recover() {
        AtomicFiles.removeTemporaries(endpointDir);
        List<EndpointFile> saved = new ArrayList<>();
        try (Stream<Path> files = Files.list(endpointDir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
                readEndpoint(f).ifPresent(saved::add);
            }
        } catch (IOException e) {
            throw new NetworkException("cannot read " + endpointDir + ": " + e.getMessage(), e);
        }
        for (EndpointFile e : saved) {
            if (EndpointFile.ATTACHED.equals(e.state())) {
                endpoints.put(key(e), e);
                if (isPrimary(e)) {
                    ports.restore(e.containerId(), e.portBindings());
                    if (e.attachment() != null) {
                        ports.forward(e.containerId(), e.attachment().ipAddress());
                    }
                }
                networks.find(e.networkId()).ifPresent(n -> {
                    if (e.attachment() != null && !n.name().equals(Network.DEFAULT) && n.driver().equals("bridge")) {
                        dns(n, e.attachment().gateway()).ifPresent(
                                d -> d.register(e.containerId(), e.names(), e.attachment().ipAddress()));
                    }
                });
            } else {
                try {
                    tearDown(e);
                } catch (RuntimeException ex) {
                    LOG.log(System.Logger.Level.WARNING, "could not undo the interrupted attach of " + e.containerId(), ex);
                }
            }
        }
        for (String id : namespaces.list()) {
            if (!endpoints.containsKey(id)) {
                try {
                    namespaces.delete(id);
                } catch (RuntimeException ex) {
                    LOG.log(System.Logger.Level.WARNING, "could not remove the leftover namespace of " + id, ex);
                }
            }
        }
    }

    // ---- DNS

    /**
     * The network's DNS responder, started on first use (the gateway address exists once the bridge
     * plugin made the bridge). Without one (port 53 taken on that address) containers get the host's
     * nameservers and resolve no container names, which is better than not starting at all.
     */
    private Optional<EmbeddedDns> dns(Network network, String gateway) {
        try {
            return Optional.of(dnsByNetwork.computeIfAbsent(network.id(),
                    k -> EmbeddedDns.start(gateway, HostResolvConf.read(resolvConf))));
        } catch (NetworkException e) {
            LOG.log(System.Logger.Level.WARNING, "network " + network.name() + " has no DNS: " + e.getMessage());
            return Optional.empty();
        }
    }

    // ---- files

    private Attachment toAttachment(EndpointFile e) {
        AttachmentFile a = e.attachment();
        return new Attachment(Optional.of(Path.of(e.netns())), e.networkName(), e.networkId(), e.endpointId(),
                a.ipAddress(), a.ipPrefixLength(), a.gateway(), a.macAddress(), e.portBindings(),
                a.nameservers(), a.searchDomains());
    }

    private Path endpointFile(String key) {
        return endpointDir.resolve(key + ".json");
    }

    private void saveEndpoint(EndpointFile e) {
        try {
            AtomicFiles.write(endpointFile(key(e)), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(e));
        } catch (IOException ex) {
            throw new NetworkException("cannot save the network state of container " + e.containerId() + ": "
                    + ex.getMessage(), ex);
        }
        endpoints.put(key(e), e);
    }

    private void deleteEndpoint(EndpointFile e) {
        String containerId = e.containerId();
        try {
            Files.deleteIfExists(endpointFile(key(e)));
            AtomicFiles.syncDirectory(endpointDir);
        } catch (IOException ex) {
            throw new NetworkException("cannot remove the network state of container " + containerId + ": "
                    + ex.getMessage(), ex);
        }
        endpoints.remove(key(e));
    }

    private Optional<EndpointFile> readEndpoint(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(json.readValue(file.toFile(), EndpointFile.class));
        } catch (IOException e) {
            throw new NetworkException("cannot read the network state " + file + ": " + e.getMessage()
                    + " (remove the file and the container's leftovers by hand)", e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove " + dir, e);
        }
    }

    // ---- validation

    /** Impossible bindings are refused here; the CLI and API check the user's syntax before. */
    static PortBinding validated(PortBinding p) {
        String spec = p.hostAddress() + ":" + p.hostPort() + ":" + p.containerPort() + "/" + p.protocol();
        if (!p.protocol().equals("tcp") && !p.protocol().equals("udp")) {
            throw new NetworkException("invalid port binding " + spec + ": protocol must be tcp or udp");
        }
        if (p.containerPort() < 1 || p.containerPort() > 65535) {
            throw new NetworkException("invalid port binding " + spec + ": container port must be 1 to 65535");
        }
        if (p.hostPort() < 0 || p.hostPort() > 65535) {
            throw new NetworkException("invalid port binding " + spec + ": host port must be 0 (any) to 65535");
        }
        if (!p.hostIp().isEmpty() && !Ipv4Cidr.isAddress(p.hostIp())) {
            throw new NetworkException("invalid port binding " + spec + ": host IP must be an IPv4 address"
                    + " (skiff networks have no IPv6 yet)");
        }
        return p;
    }

    private static String newId() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
