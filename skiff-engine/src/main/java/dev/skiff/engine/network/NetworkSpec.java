package dev.skiff.engine.network;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code docker network create} asks for. An empty subnet is picked from the daemon's address
 * pool; an empty gateway is the subnet's first address.
 */
public record NetworkSpec(String name, Optional<String> subnet, Optional<String> gateway, Map<String, String> labels,
                          boolean internal) {
    public NetworkSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(subnet, "subnet");
        Objects.requireNonNull(gateway, "gateway");
        labels = Map.copyOf(labels);
    }

    public static NetworkSpec named(String name) {
        return new NetworkSpec(name, Optional.empty(), Optional.empty(), Map.of(), false);
    }
}
