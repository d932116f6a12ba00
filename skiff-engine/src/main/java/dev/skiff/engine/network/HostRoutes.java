package dev.skiff.engine.network;

import java.util.ArrayList;
import java.util.List;

/** The IPv4 destinations the host routes (except the default route), read from {@code ip -4 route}. */
final class HostRoutes {
    static List<Ipv4Cidr> destinations() {
        List<Ipv4Cidr> out = new ArrayList<>();
        Commands.Outcome o = Commands.run(List.of("ip", "-4", "route", "show", "table", "all"));
        for (String line : o.stdout().split("\n")) {
            String[] words = line.strip().split("\\s+");
            int at = words.length > 0 && (words[0].equals("local") || words[0].equals("broadcast")
                    || words[0].equals("unicast")) ? 1 : 0;
            if (words.length <= at || words[at].equals("default")) {
                continue;
            }
            String dst = words[at].contains("/") ? words[at] : words[at] + "/32";
            try {
                out.add(Ipv4Cidr.parse(dst));
            } catch (NetworkException e) {
                // Not an IPv4 destination.
            }
        }
        return out;
    }

    private HostRoutes() {
    }
}
