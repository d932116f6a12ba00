package dev.skiff.engine.network;

import java.util.List;
import java.util.Objects;

/**
 * networkMode: "default" or "bridge" (the default bridge network), "host", "none", or a user network's name or ID;
 * also "container:&lt;full container ID&gt;" to share that container's namespace.
 */
public record AttachRequest(String containerId, String networkMode, String hostname, List<String> aliases,
                            List<PortBinding> ports) {
    public AttachRequest {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(networkMode, "networkMode");
        Objects.requireNonNull(hostname, "hostname");
        aliases = List.copyOf(aliases);
        ports = List.copyOf(ports);
    }
}
