package dev.skiff.engine.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The plugin configurations a network's chain is run with (golden JSON), and reading a result. */
class CniChainsTest {
    private final ObjectMapper json = new ObjectMapper();
    private final CniChains chains = new CniChains(json, Path.of("/var/lib/skiff/network/ipam"));
    private final Network web = new Network("ab".repeat(32), "web", "bridge", Optional.of("10.87.3.0/24"),
            Optional.of("10.87.3.1"), Optional.of("skbr-abababab"), Instant.EPOCH, Map.of(), false);

    @Test
    void aChainWithPublishedPorts() throws Exception {
        String chain = json.writeValueAsString(chains.forNetwork(web,
                List.of(new PortBinding("tcp", 80, "", 8080), new PortBinding("udp", 53, "127.0.0.1", 5353)), true));
        assertThat(chain).isEqualTo("""
                [{"cniVersion":"1.0.0","name":"web","type":"bridge","bridge":"skbr-abababab","isGateway":true,\
                "ipMasq":false,"hairpinMode":true,"ipam":{"type":"host-local","dataDir":"/var/lib/skiff/network/ipam",\
                "ranges":[[{"subnet":"10.87.3.0/24","gateway":"10.87.3.1"}]],"routes":[{"dst":"0.0.0.0/0"}]}},\
                {"cniVersion":"1.0.0","name":"web","type":"portmap","snat":true,"capabilities":{"portMappings":true},\
                "runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":""},\
                {"hostPort":5353,"containerPort":53,"protocol":"udp","hostIP":"127.0.0.1"}]}}]""");
    }

    @Test
    void aFurtherNetworkHasNoDefaultRouteNorPortmap() {
        var chain = chains.forNetwork(web, List.of(), false);
        assertThat(chain).extracting(c -> c.get("type").asText()).containsExactly("bridge");
        assertThat(chain.getFirst().get("ipam").has("routes")).isFalse();
    }

    @Test
    void theAddressComesFromTheSandboxInterface() throws Exception {
        var result = json.readTree("""
                {"cniVersion":"1.0.0","interfaces":[{"name":"skbr-x","mac":"f6:f8:8f:56:d8:31"},
                {"name":"veth89aaae2b","mac":"c6:eb:ee:eb:10:74"},
                {"name":"eth0","mac":"ce:20:fa:e4:5a:19","sandbox":"/run/skiff/netns/x"}],
                "ips":[{"interface":2,"address":"10.249.0.2/24","gateway":"10.249.0.1"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{}}""");
        assertThat(CniChains.Address.of(result))
                .isEqualTo(new CniChains.Address("10.249.0.2", 24, "10.249.0.1", "ce:20:fa:e4:5a:19"));
    }
}
