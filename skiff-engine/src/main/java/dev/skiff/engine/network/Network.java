package dev.skiff.engine.network;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A network containers can join, as {@code docker network ls/inspect} shows it. Driver "bridge" networks
 * have a subnet, a gateway (the bridge's own address) and a bridge interface; the predefined "host"
 * (driver "host") and "none" (driver "null") have none of them.
 */
public record Network(String id, String name, String driver, Optional<String> subnet, Optional<String> gateway,
                      Optional<String> bridge, Instant created, Map<String, String> labels, boolean internal) {
    public static final String DEFAULT = "bridge";
    public static final String HOST = "host";
    public static final String NONE = "none";

    public Network {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(subnet, "subnet");
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(bridge, "bridge");
        Objects.requireNonNull(created, "created");
        labels = Map.copyOf(labels);
    }

    /** The predefined networks ("bridge", "host", "none") cannot be created or removed by users. */
    public boolean predefined() {
        return name.equals(DEFAULT) || name.equals(HOST) || name.equals(NONE);
    }

    /** Docker's scope for every network of a single daemon. */
    public String scope() {
        return "local";
    }

    /** The 12-character ID docker prints. */
    public String shortId() {
        return id.substring(0, 12);
    }
}
