package dev.skiff.engine.network;

/**
 * Where user networks get their subnets when {@code docker network create} names none: consecutive
 * {@code /subnetPrefix} blocks of {@code base}, like dockerd's {@code --default-address-pool}. The
 * standard pool, 10.87.0.0/16 in /24s, sits beside the default bridge's 10.86.0.0/16 and away from
 * Docker's 172.17-31 and 192.168 pools.
 */
public record AddressPool(String base, int subnetPrefix) {
    public static final AddressPool STANDARD = new AddressPool("10.87.0.0/16", 24);

    public AddressPool {
        Ipv4Cidr cidr = Ipv4Cidr.parse(base);
        if (subnetPrefix < cidr.prefixLength() || subnetPrefix > 30) {
            throw new NetworkException("invalid address pool " + base + " split in /" + subnetPrefix
                    + ": the subnet prefix must be between the pool's and 30");
        }
    }

    Ipv4Cidr cidr() {
        return Ipv4Cidr.parse(base).network();
    }
}
