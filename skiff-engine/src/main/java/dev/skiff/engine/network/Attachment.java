package dev.skiff.engine.network;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * netns: path of the namespace to put in the OCI spec (empty for host mode). ports: with real host ports.
 * nameservers/searchDomains: what the container's /etc/resolv.conf should hold.
 */
public record Attachment(Optional<Path> netns, String networkName, String networkId, String endpointId,
                         String ipAddress, int ipPrefixLength, String gateway, String macAddress,
                         List<PortBinding> ports, List<String> nameservers, List<String> searchDomains) {
    public Attachment {
        ports = List.copyOf(ports);
        nameservers = List.copyOf(nameservers);
        searchDomains = List.copyOf(searchDomains);
    }
}
