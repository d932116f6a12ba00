package dev.skiff.engine.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The network store on its own: files, lookups and docker's errors. Touches no host networking. */
class NetworksTest {
    @TempDir
    Path dir;

    private final Set<String> inUse = new HashSet<>();
    private final List<String> removed = new ArrayList<>();
    private final Networks.Use use = new Networks.Use() {
        @Override
        public boolean hasEndpoints(String networkId) {
            return inUse.contains(networkId);
        }

        @Override
        public void removed(Network network) {
            removed.add(network.name());
        }
    };

    private Networks open(DefaultBridge bridge) {
        return Networks.open(dir, new ObjectMapper(), bridge, new AddressPool("10.231.0.0/16", 24), use);
    }

    private static NetworkSpec spec(String name, String subnet) {
        return new NetworkSpec(name, Optional.of(subnet), Optional.empty(), Map.of("team", "a"), false);
    }

    @Test
    void predefinedNetworksExistFromTheStartAndKeepTheirIds() {
        Networks networks = open(new DefaultBridge("skt0", "10.230.0.0/16"));
        assertThat(networks.list()).extracting(Network::name).containsExactlyInAnyOrder("bridge", "host", "none");
        Network bridge = networks.defaultNetwork();
        assertThat(bridge.driver()).isEqualTo("bridge");
        assertThat(bridge.subnet()).contains("10.230.0.0/16");
        assertThat(bridge.gateway()).contains("10.230.0.1");
        assertThat(bridge.bridge()).contains("skt0");
        assertThat(bridge.id()).matches("[0-9a-f]{64}");
        assertThat(networks.get("none").driver()).isEqualTo("null");
        assertThat(networks.get("host").driver()).isEqualTo("host");

        Networks again = open(new DefaultBridge("skt1", "10.229.0.0/16"));
        assertThat(again.defaultNetwork().id()).isEqualTo(bridge.id());
        assertThat(again.defaultNetwork().bridge()).contains("skt1");
        assertThat(again.defaultNetwork().subnet()).contains("10.229.0.0/16");
        assertThat(again.get("host").id()).isEqualTo(networks.get("host").id());
    }

    @Test
    void createdNetworksAreFoundByNameIdAndUniquePrefixAndSurviveReopening() {
        Networks networks = open(new DefaultBridge("skt0", "10.230.0.0/16"));
        Network created = networks.create(spec("backend", "10.232.5.0/24"));
        assertThat(created.subnet()).contains("10.232.5.0/24");
        assertThat(created.gateway()).contains("10.232.5.1");
        assertThat(created.bridge()).contains("skbr-" + created.id().substring(0, 10));
        assertThat(created.bridge().orElseThrow().length()).isLessThanOrEqualTo(15);
        assertThat(created.labels()).containsEntry("team", "a");

        Networks reopened = open(new DefaultBridge("skt0", "10.230.0.0/16"));
        assertThat(reopened.get("backend")).isEqualTo(created);
        assertThat(reopened.get(created.id())).isEqualTo(created);
        assertThat(reopened.get(created.id().substring(0, 5))).isEqualTo(created);
        assertThat(reopened.find("nosuch")).isEmpty();
        assertThatThrownBy(() -> reopened.get("nosuch")).hasMessage("network nosuch not found");
    }

    @Test
    void subnetsComeFromThePoolAndNeverOverlap() {
        Networks networks = open(new DefaultBridge("skt0", "10.230.0.0/16"));
        Network a = networks.create(NetworkSpec.named("a"));
        Network b = networks.create(NetworkSpec.named("b"));
        assertThat(a.subnet().orElseThrow()).startsWith("10.231.");
        assertThat(Ipv4Cidr.parse(a.subnet().orElseThrow()).overlaps(Ipv4Cidr.parse(b.subnet().orElseThrow()))).isFalse();
        assertThatThrownBy(() -> networks.create(spec("c", a.subnet().orElseThrow())))
                .hasMessage("invalid pool request: Pool overlaps with other one on this address space");
        assertThatThrownBy(() -> networks.create(spec("d", "10.230.7.0/24")))
                .hasMessage("invalid pool request: Pool overlaps with other one on this address space");
        assertThatThrownBy(() -> networks.create(spec("e", "10.233.0.5/24")))
                .hasMessageContaining("has host bits set");
        assertThatThrownBy(() -> networks.create(new NetworkSpec("f", Optional.of("10.234.0.0/24"),
                Optional.of("10.235.0.1"), Map.of(), false))).hasMessageContaining("must be an address in 10.234.0.0/24");
    }

    @Test
    void namesAreCheckedAndUnique() {
        Networks networks = open(new DefaultBridge("skt0", "10.230.0.0/16"));
        networks.create(NetworkSpec.named("web"));
        assertThatThrownBy(() -> networks.create(NetworkSpec.named("web"))).hasMessage("network with name web already exists");
        assertThatThrownBy(() -> networks.create(NetworkSpec.named("bridge"))).hasMessage("network with name bridge already exists");
        assertThatThrownBy(() -> networks.create(NetworkSpec.named("bad name")))
                .hasMessageContaining("invalid network name \"bad name\"");
    }

    @Test
    void removalIsRefusedForPredefinedAndBusyNetworks() {
        Networks networks = open(new DefaultBridge("skt0", "10.230.0.0/16"));
        Network web = networks.create(NetworkSpec.named("web"));
        assertThatThrownBy(() -> networks.remove("bridge")).hasMessage("bridge is a pre-defined network and cannot be removed");
        assertThatThrownBy(() -> networks.remove("none")).hasMessage("none is a pre-defined network and cannot be removed");
        inUse.add(web.id());
        assertThatThrownBy(() -> networks.remove("web"))
                .hasMessage("error while removing network: network web id " + web.id() + " has active endpoints");
        inUse.clear();
        assertThat(networks.remove("web")).isEqualTo(web);
        assertThat(removed).containsExactly("web");
        assertThat(open(new DefaultBridge("skt0", "10.230.0.0/16")).find("web")).isEmpty();
    }
}
