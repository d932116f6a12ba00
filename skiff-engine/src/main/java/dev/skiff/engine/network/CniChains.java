package dev.skiff.engine.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Describes what the plugins are to do, without doing it: the CNI network configuration of each
 * plugin in a network's chain, and the address a result gave. {@link CniNetworking} runs them.
 */
final class CniChains {
    private final ObjectMapper json;
    private final Path ipamDir;

    CniChains(ObjectMapper json, Path ipamDir) {
        this.json = json;
        this.ipamDir = ipamDir;
    }

    /**
     * bridge (+ host-local), then portmap when ports are published; each a complete configuration
     * (cniVersion, name, type). {@code defaultRoute} is false for a further network joined with
     * connect: the container keeps the default route of its first network, as in docker.
     */
    List<ObjectNode> forNetwork(Network network, List<PortBinding> published, boolean defaultRoute) {
        List<ObjectNode> chain = new ArrayList<>();
        ObjectNode bridge = plugin(network.name(), "bridge");
        bridge.put("bridge", network.bridge().orElseThrow());
        bridge.put("isGateway", true);
        // Outbound NAT is one rule per network (Iptables.networkScript), not a chain per container.
        bridge.put("ipMasq", false);
        bridge.put("hairpinMode", true);
        ObjectNode ipam = bridge.putObject("ipam");
        ipam.put("type", "host-local");
        // The leases live with the daemon's data, not in /var/lib/cni shared by every CNI user of the host.
        ipam.put("dataDir", ipamDir.toString());
        ObjectNode range = ipam.putArray("ranges").addArray().addObject();
        range.put("subnet", network.subnet().orElseThrow());
        range.put("gateway", network.gateway().orElseThrow());
        if (defaultRoute && !network.internal()) {
            ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0");
        }
        chain.add(bridge);
        // a port's IPv6 twin ([::]) is the daemon's relay (PortReservations), not a DNAT rule
        List<PortBinding> mapped = published.stream().filter(p -> !p.hostIp().equals(PortReservations.IPV6_ANY)).toList();
        if (!mapped.isEmpty()) {
            ObjectNode portmap = plugin(network.name(), "portmap");
            portmap.put("snat", true);
            portmap.putObject("capabilities").put("portMappings", true);
            // What a runtime puts in for the portMappings capability (CNI CONVENTIONS.md).
            ArrayNode mappings = portmap.putObject("runtimeConfig").putArray("portMappings");
            for (PortBinding p : mapped) {
                ObjectNode m = mappings.addObject();
                m.put("hostPort", p.hostPort());
                m.put("containerPort", p.containerPort());
                m.put("protocol", p.protocol());
                m.put("hostIP", p.hostIp());
            }
            chain.add(portmap);
        }
        return chain;
    }

    /** The namespace's own lo, brought up by the loopback plugin. */
    ObjectNode loopback() {
        return plugin("loopback", "loopback");
    }

    private ObjectNode plugin(String name, String type) {
        ObjectNode o = json.createObjectNode();
        o.put("cniVersion", CniPlugins.CNI_VERSION);
        o.put("name", name);
        o.put("type", type);
        return o;
    }

    /** The container's address, gateway and MAC from a CNI result (the first IPv4 of the sandbox interface). */
    record Address(String ip, int prefixLength, String gateway, String mac) {
        static Address of(JsonNode result) {
            for (JsonNode ip : result.path("ips")) {
                String[] cidr = ip.path("address").asText().split("/");
                if (cidr.length == 2 && Ipv4Cidr.isAddress(cidr[0])) {
                    String mac = "";
                    if (ip.has("interface")) {
                        mac = result.path("interfaces").path(ip.get("interface").asInt()).path("mac").asText("");
                    }
                    return new Address(cidr[0], Integer.parseInt(cidr[1]), ip.path("gateway").asText(""), mac);
                }
            }
            throw new NetworkException("the CNI bridge plugin gave the container no IPv4 address: " + result);
        }
    }
}
