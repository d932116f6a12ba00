package dev.skiff.engine.network;

/**
 * An IPv4 subnet such as {@code 10.86.0.0/16}. The address is kept as given ({@code 10.86.0.7/16} is a
 * host in its subnet); {@link #network()} gives the subnet itself. IPv4 only: Skiff's networks have no
 * IPv6 yet.
 */
record Ipv4Cidr(int address, int prefixLength) {
    Ipv4Cidr {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new NetworkException("invalid prefix length " + prefixLength + ": it must be 0 to 32");
        }
    }

    static Ipv4Cidr parse(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new NetworkException("invalid subnet " + cidr + ": expected an IPv4 CIDR such as 10.87.0.0/24");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new NetworkException("invalid subnet " + cidr + ": expected an IPv4 CIDR such as 10.87.0.0/24");
        }
        if (prefix < 0 || prefix > 32) {
            throw new NetworkException("invalid subnet " + cidr + ": the prefix length must be 0 to 32");
        }
        return new Ipv4Cidr(parseAddress(cidr.substring(0, slash)), prefix);
    }

    /** Parses a dotted-quad IPv4 address; throws NetworkException for anything else (names included). */
    static int parseAddress(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new NetworkException("invalid IPv4 address " + text);
        }
        int value = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                throw new NetworkException("invalid IPv4 address " + text);
            }
            int octet = Integer.parseInt(p);
            if (octet > 255) {
                throw new NetworkException("invalid IPv4 address " + text);
            }
            value = (value << 8) | octet;
        }
        return value;
    }

    static boolean isAddress(String text) {
        try {
            parseAddress(text);
            return true;
        } catch (NetworkException e) {
            return false;
        }
    }

    static String format(int address) {
        return ((address >>> 24) & 255) + "." + ((address >>> 16) & 255) + "." + ((address >>> 8) & 255) + "." + (address & 255);
    }

    int mask() {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    Ipv4Cidr network() {
        return new Ipv4Cidr(address & mask(), prefixLength);
    }

    /** The first host address, which Skiff gives the bridge, as docker gives its bridges. */
    String firstHost() {
        return format((address & mask()) + 1);
    }

    boolean overlaps(Ipv4Cidr other) {
        int shorter = Math.min(prefixLength, other.prefixLength);
        int m = shorter == 0 ? 0 : -1 << (32 - shorter);
        return (address & m) == (other.address & m);
    }

    boolean contains(int ip) {
        return (ip & mask()) == (address & mask());
    }

    @Override
    public String toString() {
        return format(address) + "/" + prefixLength;
    }
}
