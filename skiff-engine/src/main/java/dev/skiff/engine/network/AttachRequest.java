package dev.skiff.engine.network;

import java.util.List;

/** networkMode: "default" or "bridge" (the default bridge network), "host", "none", or a user network's name or ID. */
public record AttachRequest(String containerId, String networkMode, String hostname, List<String> aliases,
                            List<PortBinding> ports) {
    public AttachRequest {
        aliases = List.copyOf(aliases);
        ports = List.copyOf(ports);
    }
}
