package dev.skiff.engine.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.engine.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The networks a daemon knows, one JSON file each under {@code network/networks/}: the predefined
 * "bridge" (the default bridge, as {@link DefaultBridge} configures it), "host" and "none", and the
 * user's own bridge networks ({@code docker network create}). Lookups accept a name, a full ID or a
 * unique ID prefix, as docker's do.
 */
public final class Networks {
    /** What the store must ask of whoever attaches containers before it removes a network. */
    interface Use {
        boolean hasEndpoints(String networkId);

        /** The network's file is gone: tear down what the network had on the host (bridge, leases, DNS). */
        void removed(Network network);
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    /** User networks' bridges are named this and the first 10 characters of the network's ID. */
    static final String BRIDGE_PREFIX = "skbr-";

    private final Path dir;
    private final ObjectMapper json;
    private final AddressPool pool;
    private final Use use;
    private final Map<String, Network> byId = new LinkedHashMap<>();

    private Networks(Path dir, ObjectMapper json, AddressPool pool, Use use) {
        this.dir = dir;
        this.json = json;
        this.pool = pool;
        this.use = use;
    }

    static Networks open(Path dir, ObjectMapper json, DefaultBridge bridge, AddressPool pool, Use use) {
        Networks n = new Networks(dir, json, pool, use);
        try {
            Files.createDirectories(dir);
            AtomicFiles.removeTemporaries(dir);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
                    Network network = json.readValue(f.toFile(), NetworkFiles.NetworkFile.class).toNetwork();
                    n.byId.put(network.id(), network);
                }
            }
        } catch (IOException e) {
            throw new NetworkException("cannot read the networks in " + dir + ": " + e.getMessage(), e);
        }
        n.ensurePredefined(bridge);
        return n;
    }

    /** Writes "bridge", "host" and "none" on first start; follows a changed default bridge afterwards. */
    private synchronized void ensurePredefined(DefaultBridge bridge) {
        Ipv4Cidr subnet = Ipv4Cidr.parse(bridge.subnetCidr());
        Optional<Network> current = byName(Network.DEFAULT);
        Network wanted = new Network(current.map(Network::id).orElseGet(Networks::newId), Network.DEFAULT, "bridge",
                Optional.of(subnet.network().toString()), Optional.of(subnet.firstHost()),
                Optional.of(bridge.interfaceName()), current.map(Network::created).orElseGet(Instant::now), Map.of(), false);
        if (current.isEmpty() || !current.get().equals(wanted)) {
            save(wanted);
        }
        if (byName(Network.HOST).isEmpty()) {
            save(new Network(newId(), Network.HOST, "host", Optional.empty(), Optional.empty(), Optional.empty(),
                    Instant.now(), Map.of(), false));
        }
        if (byName(Network.NONE).isEmpty()) {
            save(new Network(newId(), Network.NONE, "null", Optional.empty(), Optional.empty(), Optional.empty(),
                    Instant.now(), Map.of(), false));
        }
    }

    /** {@code docker network create}: a bridge network with its own subnet and bridge {@code skbr-<id>}. */
    public synchronized Network create(NetworkSpec spec) {
        Names.requireNetworkName(spec.name());
        if (byName(spec.name()).isPresent()) {
            throw new NetworkException("network with name " + spec.name() + " already exists");
        }
        Ipv4Cidr subnet = spec.subnet().map(s -> Ipv4Cidr.parse(s).network()).orElseGet(this::freeSubnet);
        if (spec.subnet().isPresent() && !Ipv4Cidr.parse(spec.subnet().get()).equals(subnet)) {
            throw new NetworkException("invalid subnet " + spec.subnet().get() + ": it has host bits set; did you mean "
                    + subnet + "?");
        }
        if (subnet.prefixLength() > 30) {
            throw new NetworkException("invalid subnet " + subnet + ": it must have room for a gateway and containers (/30 or larger)");
        }
        for (Network other : byId.values()) {
            if (other.subnet().isPresent() && Ipv4Cidr.parse(other.subnet().get()).overlaps(subnet)) {
                throw new NetworkException("invalid pool request: Pool overlaps with other one on this address space");
            }
        }
        String gateway = spec.gateway().orElse(subnet.firstHost());
        if (!Ipv4Cidr.isAddress(gateway) || !subnet.contains(Ipv4Cidr.parseAddress(gateway))) {
            throw new NetworkException("invalid gateway " + gateway + ": it must be an address in " + subnet);
        }
        String id = newId();
        Network network = new Network(id, spec.name(), "bridge", Optional.of(subnet.toString()), Optional.of(gateway),
                Optional.of(BRIDGE_PREFIX + id.substring(0, 10)), Instant.now(), spec.labels(), spec.internal());
        save(network);
        return network;
    }

    /** Every network, predefined ones first, then by creation time, as docker's listing reads. */
    public synchronized List<Network> list() {
        return byId.values().stream()
                .sorted(Comparator.comparing((Network n) -> !n.predefined()).thenComparing(Network::created))
                .toList();
    }

    /** By full ID, then by name, then by unique ID prefix (docker's order). */
    public synchronized Optional<Network> find(String nameOrId) {
        Network exact = byId.get(nameOrId);
        if (exact != null) {
            return Optional.of(exact);
        }
        Optional<Network> named = byName(nameOrId);
        if (named.isPresent() || nameOrId.isEmpty()) {
            return named;
        }
        List<Network> prefixed = byId.values().stream().filter(n -> n.id().startsWith(nameOrId)).toList();
        if (prefixed.size() > 1) {
            throw new NetworkException("network " + nameOrId + " is ambiguous (" + prefixed.size()
                    + " matches found based on ID prefix)");
        }
        return prefixed.stream().findFirst();
    }

    public Network get(String nameOrId) {
        return find(nameOrId).orElseThrow(() -> new NetworkException("network " + nameOrId + " not found"));
    }

    /** The default bridge network ("bridge"). */
    public Network defaultNetwork() {
        return get(Network.DEFAULT);
    }

    /**
     * {@code docker network rm}: refused for the predefined networks and while containers are attached;
     * otherwise removes the network's bridge, leases and DNS with its file.
     */
    public synchronized Network remove(String nameOrId) {
        Network n = get(nameOrId);
        if (n.predefined()) {
            throw new NetworkException(n.name() + " is a pre-defined network and cannot be removed");
        }
        if (use.hasEndpoints(n.id())) {
            throw new NetworkException("error while removing network: network " + n.name() + " id " + n.id()
                    + " has active endpoints");
        }
        try {
            Files.deleteIfExists(dir.resolve(n.id() + ".json"));
            AtomicFiles.syncDirectory(dir);
        } catch (IOException e) {
            throw new NetworkException("cannot remove network " + n.name() + ": " + e.getMessage(), e);
        }
        byId.remove(n.id());
        use.removed(n);
        return n;
    }

    private Optional<Network> byName(String name) {
        return byId.values().stream().filter(n -> n.name().equals(name)).findFirst();
    }

    private void save(Network network) {
        try {
            AtomicFiles.write(dir.resolve(network.id() + ".json"),
                    json.writerWithDefaultPrettyPrinter().writeValueAsBytes(NetworkFiles.NetworkFile.of(network)));
        } catch (IOException e) {
            throw new NetworkException("cannot save network " + network.name() + ": " + e.getMessage(), e);
        }
        byId.put(network.id(), network);
    }

    /**
     * The first block of the pool that overlaps neither another network nor a route the host already
     * has (a LAN, a VPN, another daemon's bridge), as dockerd avoids them.
     */
    private Ipv4Cidr freeSubnet() {
        Ipv4Cidr base = pool.cidr();
        List<Ipv4Cidr> used = new ArrayList<>();
        byId.values().forEach(n -> n.subnet().ifPresent(s -> used.add(Ipv4Cidr.parse(s))));
        used.addAll(HostRoutes.destinations());
        long blocks = 1L << (pool.subnetPrefix() - base.prefixLength());
        long size = 1L << (32 - pool.subnetPrefix());
        for (long i = 0; i < blocks; i++) {
            Ipv4Cidr candidate = new Ipv4Cidr((int) (Integer.toUnsignedLong(base.address()) + i * size), pool.subnetPrefix());
            if (used.stream().noneMatch(candidate::overlaps)) {
                return candidate;
            }
        }
        throw new NetworkException("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
    }

    private static String newId() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
