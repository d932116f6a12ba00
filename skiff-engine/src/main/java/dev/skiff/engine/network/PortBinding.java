package dev.skiff.engine.network;

import java.util.Objects;

/** protocol "tcp" or "udp"; hostIp "" means all addresses (0.0.0.0); hostPort 0 means pick a free port. */
public record PortBinding(String protocol, int containerPort, String hostIp, int hostPort) {
    public PortBinding {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(hostIp, "hostIp");
    }

    /** The address as docker prints it in errors and {@code docker port}: "0.0.0.0" for all addresses. */
    String hostAddress() {
        return hostIp.isEmpty() ? "0.0.0.0" : hostIp;
    }
}
