package dev.skiff.engine.network;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Networking's files under the data root, apart from the domain records:
 * <pre>
 * network/networks/&lt;id&gt;.json     one per network (NetworkFile)
 * network/endpoints/&lt;cid&gt;.json   one per attached container (EndpointFile), the CNI result for DEL
 * network/ipam/&lt;network name&gt;/   host-local's leases
 * </pre>
 */
final class NetworkFiles {
    static final int SCHEMA = 1;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"schemaVersion", "id", "name", "driver", "subnet", "gateway", "bridge", "created", "labels", "internal"})
    record NetworkFile(@JsonProperty("schemaVersion") int schemaVersion, @JsonProperty("id") String id,
                       @JsonProperty("name") String name, @JsonProperty("driver") String driver,
                       @JsonProperty("subnet") String subnet, @JsonProperty("gateway") String gateway,
                       @JsonProperty("bridge") String bridge, @JsonProperty("created") String created,
                       @JsonProperty("labels") Map<String, String> labels, @JsonProperty("internal") boolean internal) {

        static NetworkFile of(Network n) {
            return new NetworkFile(SCHEMA, n.id(), n.name(), n.driver(), n.subnet().orElse(null), n.gateway().orElse(null),
                    n.bridge().orElse(null), n.created().toString(), n.labels(), n.internal());
        }

        Network toNetwork() {
            return new Network(id, name, driver, Optional.ofNullable(subnet), Optional.ofNullable(gateway),
                    Optional.ofNullable(bridge), Instant.parse(created), labels == null ? Map.of() : labels, internal);
        }
    }

    @JsonPropertyOrder({"protocol", "containerPort", "hostIp", "hostPort"})
    record PortFile(@JsonProperty("protocol") String protocol, @JsonProperty("containerPort") int containerPort,
                    @JsonProperty("hostIp") String hostIp, @JsonProperty("hostPort") int hostPort) {
        static PortFile of(PortBinding p) {
            return new PortFile(p.protocol(), p.containerPort(), p.hostIp(), p.hostPort());
        }

        PortBinding toBinding() {
            return new PortBinding(protocol, containerPort, hostIp, hostPort);
        }
    }

    /**
     * A container's endpoint. Written in state "attaching" with the plugin configurations before the
     * first CNI ADD, so a crash mid-attach leaves enough to DEL everything; rewritten as "attached"
     * with the final CNI result, which DEL needs as prevResult (CNI spec: the runtime caches it).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"schemaVersion", "containerId", "state", "networkId", "networkName", "endpointId", "netns",
            "ifName", "hostname", "aliases", "ports", "plugins", "result", "attachment"})
    record EndpointFile(@JsonProperty("schemaVersion") int schemaVersion,
                        @JsonProperty("containerId") String containerId,
                        @JsonProperty("state") String state,
                        @JsonProperty("networkId") String networkId,
                        @JsonProperty("networkName") String networkName,
                        @JsonProperty("endpointId") String endpointId,
                        @JsonProperty("netns") String netns,
                        @JsonProperty("ifName") String ifName,
                        @JsonProperty("hostname") String hostname,
                        @JsonProperty("aliases") List<String> aliases,
                        @JsonProperty("ports") List<PortFile> ports,
                        @JsonProperty("plugins") List<ObjectNode> plugins,
                        @JsonProperty("result") JsonNode result,
                        @JsonProperty("attachment") AttachmentFile attachment) {
        static final String ATTACHING = "attaching";
        static final String ATTACHED = "attached";
        /** Being taken down in the background ({@code CniNetworking#detachInBackground}); open finishes it after a crash. */
        static final String DETACHING = "detaching";

        EndpointFile attached(JsonNode cniResult, AttachmentFile done) {
            return new EndpointFile(schemaVersion, containerId, ATTACHED, networkId, networkName, endpointId, netns,
                    ifName, hostname, aliases, ports, plugins, cniResult, done);
        }

        EndpointFile detaching() {
            return new EndpointFile(schemaVersion, containerId, DETACHING, networkId, networkName, endpointId, netns,
                    ifName, hostname, aliases, ports, plugins, result, attachment);
        }

        EndpointFile withResult(JsonNode cniResult) {
            return new EndpointFile(schemaVersion, containerId, state, networkId, networkName, endpointId, netns,
                    ifName, hostname, aliases, ports, plugins, cniResult, attachment);
        }

        EndpointFile withNames(String newHostname, List<String> newAliases) {
            return new EndpointFile(schemaVersion, containerId, state, networkId, networkName, endpointId, netns,
                    ifName, newHostname, newAliases, ports, plugins, result, attachment);
        }

        List<PortBinding> portBindings() {
            return ports == null ? List.of() : ports.stream().map(PortFile::toBinding).toList();
        }

        List<String> names() {
            List<String> all = new java.util.ArrayList<>();
            if (hostname != null && !hostname.isEmpty()) {
                all.add(hostname);
            }
            if (aliases != null) {
                all.addAll(aliases);
            }
            return all;
        }
    }

    /** What attach returned, so the daemon can ask for it again after a restart. */
    @JsonPropertyOrder({"ipAddress", "ipPrefixLength", "gateway", "macAddress", "nameservers", "searchDomains"})
    record AttachmentFile(@JsonProperty("ipAddress") String ipAddress,
                          @JsonProperty("ipPrefixLength") int ipPrefixLength,
                          @JsonProperty("gateway") String gateway,
                          @JsonProperty("macAddress") String macAddress,
                          @JsonProperty("nameservers") List<String> nameservers,
                          @JsonProperty("searchDomains") List<String> searchDomains) {
    }

    private NetworkFiles() {
    }
}
