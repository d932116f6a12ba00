package dev.skiff.engine.network;

/** protocol "tcp" or "udp"; hostIp "" means all addresses (0.0.0.0); hostPort 0 means pick a free port. */
public record PortBinding(String protocol, int containerPort, String hostIp, int hostPort) {
}
