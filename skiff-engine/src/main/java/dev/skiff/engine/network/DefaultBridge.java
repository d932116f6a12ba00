package dev.skiff.engine.network;

/**
 * The default network's bridge, as dockerd's {@code --bridge} and {@code --bip} choose it. The standard
 * subnet is not Docker's 172.17.0.0/16, so a Skiff daemon can run beside a Docker daemon on one host.
 */
public record DefaultBridge(String interfaceName, String subnetCidr) {
    public static final DefaultBridge STANDARD = new DefaultBridge("skiff0", "10.86.0.0/16");

    public DefaultBridge {
        Names.requireInterfaceName(interfaceName);
        Ipv4Cidr.parse(subnetCidr);
    }
}
