package dev.skiff.engine.network;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * CniNetworking with the real CNI plugins, iptables and namespaces (as root). Each test has its own
 * default bridge and subnet; "containers" are namespaces with busybox httpd or curl run in them.
 */
class CniNetworkingTest {
    @TempDir
    Path dataRoot;
    @TempDir
    Path execRoot;

    private HostLab lab;
    private String bridge;
    private String subnet;
    private CniNetworking networking;
    private final List<String> containers = new ArrayList<>();

    @BeforeEach
    void open() {
        lab = new HostLab();
        bridge = lab.name("skb");
        subnet = lab.freeSubnet();
        lab.removeLinkAtEnd(bridge);
        networking = open(networkingRoots());
    }

    private CniNetworking open(Path[] roots) {
        return CniNetworking.open(roots[0], roots[1], new DefaultBridge(bridge, subnet),
                new AddressPool(lab.freeSubnet(), 26));
    }

    private Path[] networkingRoots() {
        return new Path[]{dataRoot, execRoot};
    }

    @AfterEach
    void cleanUp() {
        try {
            for (String id : containers) {
                try {
                    networking.detach(id);
                } catch (RuntimeException e) {
                    // The test's own assertions tell; keep cleaning.
                }
            }
            for (Network n : networking.networks().list()) {
                if (!n.predefined()) {
                    try {
                        networking.networks().remove(n.id());
                    } catch (RuntimeException e) {
                        n.bridge().ifPresent(b -> HostLab.run("ip", "link", "delete", b));
                    }
                }
            }
            networking.close();
            Iptables.removeNetwork("bridge", bridge); // a daemon leaves the default network's rules, as dockerd does
        } finally {
            lab.close();
        }
    }

    private String newContainer() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        String id = HexFormat.of().formatHex(b);
        containers.add(id);
        return id;
    }

    private static int randomPort() {
        return 20000 + ThreadLocalRandom.current().nextInt(20000);
    }

    private static AttachRequest request(String id, String mode, PortBinding... ports) {
        return new AttachRequest(id, mode, id.substring(0, 12), List.of(), List.of(ports));
    }

    @Test
    void containerIsReachableAndItsPortsArePublishedOnLoopbackAndToOtherHosts() throws IOException {
        HostLab.OtherHost other = lab.otherHost();
        String id = newContainer();
        int port = randomPort();
        Attachment a = networking.attach(request(id, "default",
                new PortBinding("tcp", 8080, "", port), new PortBinding("tcp", 8080, "", 0)));

        assertThat(a.networkName()).isEqualTo("bridge");
        assertThat(a.netns()).contains(execRoot.resolve("netns").resolve(id));
        assertThat(Ipv4Cidr.parse(subnet).contains(Ipv4Cidr.parseAddress(a.ipAddress()))).isTrue();
        assertThat(a.gateway()).isEqualTo(Ipv4Cidr.parse(subnet).firstHost());
        assertThat(a.ipPrefixLength()).isEqualTo(24);
        assertThat(a.macAddress()).matches("([0-9a-f]{2}:){5}[0-9a-f]{2}");
        assertThat(a.ports()).hasSize(4);
        assertThat(a.ports().get(0).hostPort()).isEqualTo(port);
        int picked = a.ports().get(1).hostPort();
        assertThat(picked).isPositive().isNotEqualTo(port);
        // published with no address: on IPv6 too, as docker lists them ([::]:PORT), relayed by the daemon
        assertThat(a.ports().subList(2, 4)).containsExactly(new PortBinding("tcp", 8080, "::", port), new PortBinding("tcp", 8080, "::", picked));

        Path netns = a.netns().orElseThrow();
        assertThat(HostLab.run("nsenter", "--net=" + netns, "ip", "-br", "link", "show", "lo").out()).contains("UP");
        assertThat(HostLab.run("busybox", "ping", "-c", "1", "-W", "3", a.ipAddress()).exitCode()).isZero();

        lab.httpd(netns, 8080, dataRoot.resolve("www"), "hello from the container");
        assertThat(HostLab.curl(null, "http://" + a.ipAddress() + ":8080/").out()).isEqualTo("hello from the container");
        assertThat(HostLab.curl(null, "http://127.0.0.1:" + port + "/").out()).isEqualTo("hello from the container");
        assertThat(HostLab.curl(null, "http://127.0.0.1:" + picked + "/").out()).isEqualTo("hello from the container");
        assertThat(HostLab.curl(null, "http://[::1]:" + port + "/").out()).as("over IPv6").isEqualTo("hello from the container");
        assertThat(HostLab.curl(null, "http://[::1]:" + picked + "/").out()).isEqualTo("hello from the container");
        assertThat(HostLab.curl(other.netns(), "http://" + other.hostAddress() + ":" + port + "/").out())
                .isEqualTo("hello from the container");
        // Hairpin: the container reaches itself through its own published port.
        assertThat(HostLab.curl(netns, "http://" + a.gateway() + ":" + port + "/").out()).isEqualTo("hello from the container");
    }

    @Test
    void hostIpLimitsThePublishedPortToThatAddress() throws IOException {
        HostLab.OtherHost other = lab.otherHost();
        String id = newContainer();
        int port = randomPort();
        Attachment a = networking.attach(request(id, "bridge", new PortBinding("tcp", 80, "127.0.0.1", port)));
        lab.httpd(a.netns().orElseThrow(), 80, dataRoot.resolve("www"), "local only");

        assertThat(HostLab.curl(null, "http://127.0.0.1:" + port + "/").out()).isEqualTo("local only");
        assertThat(HostLab.curl(other.netns(), "http://" + other.hostAddress() + ":" + port + "/").out()).isEmpty();
        assertThat(a.ports()).as("an address given: that one only, no IPv6 twin").hasSize(1);
        assertThat(HostLab.curl(null, "http://[::1]:" + port + "/").out()).isEmpty();
        // Another container may take the same port on another address.
        String second = newContainer();
        Attachment b = networking.attach(request(second, "bridge", new PortBinding("tcp", 80, other.hostAddress(), port)));
        assertThat(b.ports().getFirst().hostPort()).isEqualTo(port);
    }

    @Test
    void udpPortsArePublishedToo() throws Exception {
        HostLab.OtherHost other = lab.otherHost();
        String id = newContainer();
        int port = randomPort();
        Attachment a = networking.attach(request(id, "default", new PortBinding("udp", 5300, "", port)));
        // busybox nc has no UDP; python answers each datagram with "echo:" and the datagram.
        Process echo = new ProcessBuilder("nsenter", "--net=" + a.netns().orElseThrow(), "python3", "-c",
                UDP_ECHO_SERVER).redirectErrorStream(true).start();
        lab.atEnd(echo::destroy);
        Thread.sleep(500);

        assertThat(udpAsk(null, "127.0.0.1", port, "from-loopback")).isEqualTo("echo:from-loopback");
        assertThat(udpAsk(other.netns(), other.hostAddress(), port, "from-other-host")).isEqualTo("echo:from-other-host");
    }

    private static final String UDP_ECHO_SERVER = """
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("0.0.0.0", 5300))
            while True:
                data, peer = s.recvfrom(512)
                s.sendto(b"echo:" + data, peer)
            """;

    /** Sends one datagram from a namespace (null: this host) and returns the reply, "" if none came. */
    private static String udpAsk(Path netns, String address, int port, String text) {
        String client = "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.settimeout(3)\n"
                + "s.sendto(b'" + text + "', ('" + address + "', " + port + "))\n"
                + "print(s.recvfrom(512)[0].decode(), end='')\n";
        HostLab.Run r = netns == null
                ? HostLab.run("python3", "-c", client)
                : HostLab.run("nsenter", "--net=" + netns, "python3", "-c", client);
        return r.exitCode() == 0 ? r.out() : "";
    }

    @Test
    void anInternalNetworkHasNoWayOut() throws IOException {
        HostLab.OtherHost other = lab.otherHost();
        lab.httpd(other.netns(), 8000, dataRoot.resolve("outside"), "outside world");
        Network net = networking.networks().create(new NetworkSpec(lab.name("int"), java.util.Optional.of(lab.freeSubnet()),
                java.util.Optional.empty(), java.util.Map.of(), true));
        lab.removeLinkAtEnd(net.bridge().orElseThrow());
        Attachment a = networking.attach(request(newContainer(), net.name()));
        assertThat(HostLab.curl(a.netns().orElseThrow(), "http://" + other.otherAddress() + ":8000/").out()).isEmpty();
        assertThat(HostLab.ok("nsenter", "--net=" + a.netns().orElseThrow(), "ip", "route")).doesNotContain("default");
    }

    @Test
    void aNetworksRulesComeWithItsFirstContainerOnceAndGoWithTheNetwork() {
        Network net = networking.networks().create(new NetworkSpec(lab.name("rul"), java.util.Optional.of(lab.freeSubnet()),
                java.util.Optional.empty(), java.util.Map.of(), false));
        String bridgeOfNet = net.bridge().orElseThrow();
        lab.removeLinkAtEnd(bridgeOfNet);
        assertThat(networkRules(bridgeOfNet)).isEmpty();

        String first = newContainer();
        Attachment a = networking.attach(request(first, net.name()));
        List<String> rules = networkRules(bridgeOfNet);
        assertThat(rules).hasSize(7).anySatisfy(r -> assertThat(r).startsWith("-A POSTROUTING -s " + net.subnet().orElseThrow()));
        String second = newContainer();
        networking.attach(request(second, net.name()));
        assertThat(networkRules(bridgeOfNet)).isEqualTo(rules);
        assertThat(iptablesSave()).as("a container without published ports has no rules of its own")
                .doesNotContain(first).doesNotContain(second).doesNotContain(a.ipAddress());

        networking.detach(first);
        networking.detach(second);
        assertThat(networkRules(bridgeOfNet)).isEqualTo(rules);
        networking.networks().remove(net.name());
        assertThat(networkRules(bridgeOfNet)).isEmpty();
    }

    private static List<String> networkRules(String bridge) {
        return iptablesSave().lines().filter(l -> l.contains("--comment \"skiff-net=" + bridge + "\"")).toList();
    }

    @Test
    void outboundTrafficIsMasqueradedBehindTheHost() throws IOException {
        HostLab.OtherHost other = lab.otherHost();
        // The other host has no route to the containers' subnet: only NAT lets replies come back.
        lab.httpd(other.netns(), 8000, dataRoot.resolve("outside"), "outside world");
        Attachment a = networking.attach(request(newContainer(), "default"));

        HostLab.Run r = HostLab.curl(a.netns().orElseThrow(), "http://" + other.otherAddress() + ":8000/");
        assertThat(r.out()).isEqualTo("outside world");
        assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip()).isEqualTo("1");
    }

    @Test
    void containersOnAUserNetworkReachEachOtherByName() throws IOException {
        Network net = networking.networks().create(new NetworkSpec(lab.name("net"), java.util.Optional.of(lab.freeSubnet()),
                java.util.Optional.empty(), java.util.Map.of(), false));
        lab.removeLinkAtEnd(net.bridge().orElseThrow());
        String web = newContainer();
        String client = newContainer();
        Attachment w = networking.attach(new AttachRequest(web, net.name(), "webhost", List.of("web", "Web.Alias"), List.of()));
        Attachment c = networking.attach(new AttachRequest(client, net.id().substring(0, 12), "clienthost", List.of(), List.of()));

        assertThat(w.networkId()).isEqualTo(net.id());
        assertThat(c.networkName()).isEqualTo(net.name());
        assertThat(w.nameservers()).containsExactly(net.gateway().orElseThrow());
        lab.httpd(w.netns().orElseThrow(), 80, dataRoot.resolve("www"), "web page");
        assertThat(HostLab.curl(c.netns().orElseThrow(), "http://" + w.ipAddress() + "/").out()).isEqualTo("web page");

        for (String name : List.of("web", "webhost", "web.alias", web.substring(0, 12))) {
            HostLab.Run lookup = HostLab.run("nsenter", "--net=" + c.netns().orElseThrow(), "busybox", "nslookup",
                    name, c.nameservers().getFirst());
            assertThat(lookup.out()).as(name).contains(w.ipAddress());
        }
        assertThat(HostLab.run("nsenter", "--net=" + c.netns().orElseThrow(), "busybox", "nslookup",
                "nosuchcontainer", c.nameservers().getFirst()).out()).doesNotContain(w.ipAddress());

        assertThatThrownBy(() -> networking.networks().remove(net.name()))
                .isInstanceOf(NetworkException.class)
                .hasMessage("error while removing network: network " + net.name() + " id " + net.id() + " has active endpoints");

        assertThat(networking.attachmentsOn(net.id())).containsOnlyKeys(web, client).containsEntry(web, w);
        networking.renamed(web, "web", "renamed");
        assertThat(HostLab.run("nsenter", "--net=" + c.netns().orElseThrow(), "busybox", "nslookup",
                "renamed", c.nameservers().getFirst()).out()).contains(w.ipAddress());
        assertThat(HostLab.run("nsenter", "--net=" + c.netns().orElseThrow(), "busybox", "nslookup",
                "web", c.nameservers().getFirst()).out()).doesNotContain(w.ipAddress());

        networking.detach(web);
        HostLab.Run gone = HostLab.run("nsenter", "--net=" + c.netns().orElseThrow(), "busybox", "nslookup",
                "renamed", c.nameservers().getFirst());
        assertThat(gone.out()).doesNotContain(w.ipAddress());
        networking.detach(client);
        networking.networks().remove(net.name());
        assertThat(HostLab.run("ip", "link", "show", net.bridge().orElseThrow()).exitCode()).isNotZero();
    }

    @Test
    void aContainerConnectedToASecondNetworkReachesItAndLeavesIt() throws IOException {
        Network front = networking.networks().create(new NetworkSpec(lab.name("fr"), java.util.Optional.of(lab.freeSubnet()),
                java.util.Optional.empty(), java.util.Map.of(), false));
        Network back = networking.networks().create(new NetworkSpec(lab.name("bk"), java.util.Optional.of(lab.freeSubnet()),
                java.util.Optional.empty(), java.util.Map.of(), false));
        lab.removeLinkAtEnd(front.bridge().orElseThrow());
        lab.removeLinkAtEnd(back.bridge().orElseThrow());
        String app = newContainer();
        String db = newContainer();
        Attachment appFront = networking.attach(new AttachRequest(app, front.name(), "app", List.of(), List.of()));
        Attachment dbBack = networking.attach(new AttachRequest(db, back.name(), "db", List.of(), List.of()));
        lab.httpd(dbBack.netns().orElseThrow(), 80, dataRoot.resolve("db"), "db page");
        Path appNs = appFront.netns().orElseThrow();
        assertThat(HostLab.curl(appNs, "http://" + dbBack.ipAddress() + "/").out()).isNotEqualTo("db page");

        Attachment appBack = networking.connect(app, back.name(), List.of("app-on-back"));
        assertThat(appBack.networkId()).isEqualTo(back.id());
        assertThat(appBack.netns()).contains(appNs);
        assertThat(Ipv4Cidr.parse(back.subnet().orElseThrow()).contains(Ipv4Cidr.parseAddress(appBack.ipAddress()))).isTrue();
        assertThat(HostLab.ok("nsenter", "--net=" + appNs, "ip", "-br", "addr", "show", "eth1")).contains(appBack.ipAddress());
        assertThat(HostLab.ok("nsenter", "--net=" + appNs, "ip", "route")).contains("default via " + appFront.gateway());
        assertThat(HostLab.curl(appNs, "http://" + dbBack.ipAddress() + "/").out()).isEqualTo("db page");
        assertThat(HostLab.run("nsenter", "--net=" + dbBack.netns().orElseThrow(), "busybox", "nslookup", "app-on-back",
                dbBack.nameservers().getFirst()).out()).contains(appBack.ipAddress());
        assertThat(networking.attachments(app)).containsExactly(appFront, appBack);
        assertThat(networking.attachmentsOn(back.id())).containsOnlyKeys(app, db);

        assertThatThrownBy(() -> networking.connect(app, back.name(), List.of()))
                .hasMessage("endpoint with name app already exists in network " + back.name());
        assertThatThrownBy(() -> networking.disconnect(app, front.name())).hasMessageContaining("cannot disconnect");
        assertThatThrownBy(() -> networking.disconnect(db, front.name()))
                .hasMessage("container " + db + " is not connected to network " + front.name());

        networking.disconnect(app, back.name());
        assertThat(HostLab.run("nsenter", "--net=" + appNs, "ip", "link", "show", "eth1").exitCode()).isNotZero();
        assertThat(iptablesSave()).doesNotContain(appBack.ipAddress());
        assertThat(dataRoot.resolve("network/ipam").resolve(back.name()).resolve(appBack.ipAddress())).doesNotExist();
        assertThat(networking.attachments(app)).containsExactly(appFront);
        assertThat(HostLab.run("busybox", "ping", "-c", "1", "-W", "3", appFront.ipAddress()).exitCode()).isZero();

        // Connected again, then detached: both endpoints go.
        Attachment again = networking.connect(app, back.name(), List.of());
        networking.detach(app);
        assertNothingLeft(app, null);
        assertThat(iptablesSave()).doesNotContain(again.ipAddress() + "/32").doesNotContain(appFront.ipAddress() + "/32");
        assertThat(networking.attachmentsOn(back.id())).containsOnlyKeys(db);
    }

    @Test
    void namesStillResolveAfterARestart() {
        Network net = networking.networks().create(new NetworkSpec(lab.name("dns"), java.util.Optional.of(lab.freeSubnet()),
                java.util.Optional.empty(), java.util.Map.of(), false));
        lab.removeLinkAtEnd(net.bridge().orElseThrow());
        Attachment db = networking.attach(new AttachRequest(newContainer(), net.name(), "db", List.of("database"), List.of()));
        Attachment app = networking.attach(new AttachRequest(newContainer(), net.name(), "app", List.of(), List.of()));
        networking.close();
        networking = open(networkingRoots());

        HostLab.Run lookup = HostLab.run("nsenter", "--net=" + app.netns().orElseThrow(), "busybox", "nslookup",
                "database", app.nameservers().getFirst());
        assertThat(lookup.out()).contains(db.ipAddress());
    }

    @Test
    void aPortAnotherContainerPublishedIsRefusedAndTheLoserLeavesNothing() {
        int port = randomPort();
        networking.attach(request(newContainer(), "default", new PortBinding("tcp", 80, "", port)));
        String loser = newContainer();

        assertThatThrownBy(() -> networking.attach(request(loser, "default", new PortBinding("tcp", 81, "", port))))
                .isInstanceOf(NetworkException.class)
                .hasMessage("Bind for 0.0.0.0:" + port + " failed: port is already allocated");
        assertNothingLeft(loser, null);
        // The same port number over udp is another port.
        networking.attach(request(newContainer(), "default", new PortBinding("udp", 80, "", port)));
    }

    @Test
    void aPortAHostProcessListensOnIsRefusedAndTheLoserLeavesNothing() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("0.0.0.0", 0));
            int port = taken.getLocalPort();
            String loser = newContainer();
            assertThatThrownBy(() -> networking.attach(request(loser, "default",
                    new PortBinding("tcp", 80, "", randomPort()), new PortBinding("tcp", 81, "", port))))
                    .isInstanceOf(NetworkException.class)
                    .hasMessage("Bind for 0.0.0.0:" + port + " failed: port is already allocated");
            assertNothingLeft(loser, null);
        }
    }

    @Test
    void aPluginFailureLeavesNothingAndFreesThePort() {
        Network net = networking.networks().create(new NetworkSpec(lab.name("brk"), java.util.Optional.of(lab.freeSubnet()),
                java.util.Optional.empty(), java.util.Map.of(), false));
        String bridgeName = net.bridge().orElseThrow();
        lab.removeLinkAtEnd(bridgeName);
        // A link that is not a bridge where the network's bridge belongs: the bridge plugin refuses it.
        HostLab.ok("ip", "link", "add", bridgeName, "type", "veth", "peer", "name", lab.name("skp"));
        String id = newContainer();
        int port = randomPort();

        assertThatThrownBy(() -> networking.attach(request(id, net.name(), new PortBinding("tcp", 80, "", port))))
                .isInstanceOf(NetworkException.class)
                .hasMessageContaining("CNI plugin bridge ADD failed")
                .hasMessageContaining(bridgeName);
        assertNothingLeft(id, null);

        HostLab.ok("ip", "link", "delete", bridgeName);
        Attachment a = networking.attach(request(id, net.name(), new PortBinding("tcp", 80, "", port)));
        assertThat(a.ports().getFirst().hostPort()).isEqualTo(port);
    }

    @Test
    void impossiblePortBindingsAreRefused() {
        String id = newContainer();
        assertThatThrownBy(() -> networking.attach(request(id, "default", new PortBinding("sctp", 80, "", 1))))
                .isInstanceOf(NetworkException.class).hasMessageContaining("protocol must be tcp or udp");
        assertThatThrownBy(() -> networking.attach(request(id, "default", new PortBinding("tcp", 0, "", 1))))
                .isInstanceOf(NetworkException.class).hasMessageContaining("container port must be 1 to 65535");
        assertThatThrownBy(() -> networking.attach(request(id, "default", new PortBinding("tcp", 80, "", 70000))))
                .isInstanceOf(NetworkException.class).hasMessageContaining("host port must be 0 (any) to 65535");
        assertThatThrownBy(() -> networking.attach(request(id, "default", new PortBinding("tcp", 80, "localhost", 1))))
                .isInstanceOf(NetworkException.class).hasMessageContaining("host IP must be an IPv4 address");
        assertThatThrownBy(() -> networking.attach(request(id, "nosuchnet")))
                .isInstanceOf(NetworkException.class).hasMessage("network nosuchnet not found");
        assertNothingLeft(id, null);
    }

    @Test
    void detachRemovesVethRulesLeaseAndNamespaceAndIsQuietTheSecondTime() {
        String id = newContainer();
        Attachment a = networking.attach(request(id, "default", new PortBinding("tcp", 80, "", randomPort())));
        assertThat(iptablesSave()).contains(id).contains(a.ipAddress() + ":80");
        assertThat(vethsOn(bridge)).hasSize(1);
        assertThat(lease(a.ipAddress())).exists();

        networking.detach(id);
        assertNothingLeft(id, a.ipAddress());
        networking.detach(id);
        networking.detach(newContainer());
    }

    @Test
    void aBackgroundDetachHidesTheContainerAtOnceAndLeavesNothingOnceAwaited() {
        String id = newContainer();
        Attachment a = networking.attach(request(id, "default"));
        assertThat(vethsOn(bridge)).hasSize(1);

        networking.detachInBackground(id);
        assertThat(networking.attachment(id)).isEmpty();
        assertThat(networking.attachmentsOn(networking.networks().defaultNetwork().id())).doesNotContainKey(id);

        networking.awaitDetaches();
        assertNothingLeft(id, a.ipAddress());
        networking.detachInBackground(id); // quiet the second time, as detach is
        networking.awaitDetaches();
    }

    @Test
    void anAttachRightAfterABackgroundDetachOfTheSameContainerWaitsForIt() {
        String id = newContainer();
        networking.attach(request(id, "default"));
        networking.detachInBackground(id);

        Attachment again = networking.attach(request(id, "default"));
        assertThat(networking.attachment(id)).contains(again);
        assertThat(vethsOn(bridge)).hasSize(1);
        networking.detach(id);
        assertNothingLeft(id, again.ipAddress());
    }

    @Test
    void aContainerWithPublishedPortsIsDetachedAtOnceSoItsPortsAreFree() {
        String id = newContainer();
        int port = randomPort();
        Attachment a = networking.attach(request(id, "default", new PortBinding("tcp", 80, "", port)));

        networking.detachInBackground(id);
        assertNothingLeft(id, a.ipAddress());
        String next = newContainer();
        assertThat(networking.attach(request(next, "default", new PortBinding("tcp", 80, "", port))).ports().getFirst().hostPort())
                .isEqualTo(port);
        networking.detach(next);
    }

    @Test
    void openFinishesABackgroundDetachACrashInterrupted() throws IOException {
        String id = newContainer();
        Attachment a = networking.attach(request(id, "default"));
        networking.close();
        // What the record holds when the daemon dies after detachInBackground returned, before the DEL ran.
        Path record = dataRoot.resolve("network/endpoints").resolve(id + ".json");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var node = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(record.toFile());
        node.put("state", "detaching");
        Files.write(record, json.writeValueAsBytes(node));

        networking = open(networkingRoots());
        assertNothingLeft(id, a.ipAddress());
    }

    @Test
    void detachWorksAfterARestartEvenWhenTheNamespaceIsGone() {
        String id = newContainer();
        int port = randomPort();
        Attachment a = networking.attach(request(id, "default", new PortBinding("tcp", 80, "", port)));
        networking.close();
        Path netns = a.netns().orElseThrow();
        HostLab.ok("umount", netns.toString());
        HostLab.ok("rm", netns.toString());

        networking = open(networkingRoots());
        assertThat(networking.attachment(id)).contains(a);
        // The restarted daemon still holds the port for the container.
        assertThatThrownBy(() -> networking.attach(request(newContainer(), "default", new PortBinding("tcp", 80, "", port))))
                .hasMessage("Bind for 0.0.0.0:" + port + " failed: port is already allocated");
        networking.detach(id);
        assertNothingLeft(id, a.ipAddress());
    }

    @Test
    void theIpv6RelayOfAPublishedPortComesBackAfterARestartAndGoesWithTheContainer() throws IOException {
        String id = newContainer();
        int port = randomPort();
        Attachment a = networking.attach(request(id, "default", new PortBinding("tcp", 80, "", port)));
        lab.httpd(a.netns().orElseThrow(), 80, dataRoot.resolve("www"), "relayed");
        for (int i = 0; i < 50 && !HostLab.curl(null, "http://" + a.ipAddress() + "/").out().equals("relayed"); i++) {
            HostLab.run("sleep", "0.1"); // until the container's httpd listens
        }
        assertThat(HostLab.curl(null, "http://[::1]:" + port + "/").out()).isEqualTo("relayed");
        networking.close();
        assertThat(HostLab.curl(null, "http://[::1]:" + port + "/").out()).as("no daemon, no relay").isEmpty();

        networking = open(networkingRoots());
        assertThat(HostLab.curl(null, "http://[::1]:" + port + "/").out()).as("the restarted daemon relays again").isEqualTo("relayed");
        assertThat(HostLab.curl(null, "http://127.0.0.1:" + port + "/").out()).isEqualTo("relayed");
        networking.detach(id);
        assertThat(HostLab.curl(null, "http://[::1]:" + port + "/").out()).as("detached").isEmpty();
        assertNothingLeft(id, a.ipAddress());
    }

    @Test
    void openUndoesAnAttachACrashInterrupted() throws IOException {
        String id = newContainer();
        Attachment a = networking.attach(request(id, "default", new PortBinding("tcp", 80, "", randomPort())));
        networking.close();
        // What the record holds when the daemon dies after the bridge plugin's ADD: no final state yet.
        Path record = dataRoot.resolve("network/endpoints").resolve(id + ".json");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var node = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(record.toFile());
        node.put("state", "attaching");
        node.remove("attachment");
        Files.write(record, json.writeValueAsBytes(node));

        networking = open(networkingRoots());
        assertNothingLeft(id, a.ipAddress());
    }

    @Test
    void openRemovesANamespaceACrashLeftWithoutARecord() throws IOException {
        networking.close();
        String id = newContainer();
        new NetNamespaces(execRoot).create(id);
        assertThat(execRoot.resolve("netns").resolve(id)).exists();

        networking = open(networkingRoots());
        assertThat(execRoot.resolve("netns").resolve(id)).doesNotExist();
        assertThat(HostLab.run("findmnt", execRoot.resolve("netns").resolve(id).toString()).exitCode()).isNotZero();
    }

    @Test
    void noneModeGivesLoopbackOnlyAndHostModeNoNamespace() {
        String id = newContainer();
        Attachment none = networking.attach(request(id, "none", new PortBinding("tcp", 80, "", randomPort())));
        assertThat(none.networkName()).isEqualTo("none");
        assertThat(none.ipAddress()).isEmpty();
        assertThat(none.ports()).isEmpty();
        String links = HostLab.ok("nsenter", "--net=" + none.netns().orElseThrow(), "ip", "-br", "link");
        assertThat(links.strip().lines()).hasSize(1);
        assertThat(links).startsWith("lo").contains("UP");
        networking.detach(id);
        assertNothingLeft(id, null);

        String hostId = newContainer();
        Attachment host = networking.attach(request(hostId, "host"));
        assertThat(host.netns()).isEmpty();
        assertThat(host.networkName()).isEqualTo("host");
        assertThat(host.networkId()).isEqualTo(networking.networks().get("host").id());
        networking.detach(hostId);
    }

    @Test
    void attachAndDetachTakeAFractionOfASecond() {
        List<Long> attach = new ArrayList<>();
        List<Long> detach = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String id = newContainer();
            long t0 = System.nanoTime();
            networking.attach(request(id, "default", new PortBinding("tcp", 80, "", 0)));
            long t1 = System.nanoTime();
            networking.detach(id);
            long t2 = System.nanoTime();
            attach.add((t1 - t0) / 1_000_000);
            detach.add((t2 - t1) / 1_000_000);
        }
        attach.sort(null);
        detach.sort(null);
        System.out.printf("attach with one port: median %d ms; detach: median %d ms%n", attach.get(3), detach.get(3));
        assertThat(attach.get(3)).isLessThan(1500);
        assertThat(detach.get(3)).isLessThan(1500);
    }

    @Test
    void manyContainersAttachAndDetachAtOnce() throws Exception {
        int n = 12;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(newContainer());
        }
        List<Attachment> attached = new ArrayList<>();
        long start = System.nanoTime();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Attachment>> futures = new ArrayList<>();
            for (String id : ids) {
                futures.add(pool.submit(() -> networking.attach(request(id, "default", new PortBinding("tcp", 80, "", 0)))));
            }
            for (var f : futures) {
                attached.add(f.get());
            }
        }
        System.out.printf("%d concurrent attaches took %d ms%n", n, (System.nanoTime() - start) / 1_000_000);
        assertThat(attached.stream().map(Attachment::ipAddress).distinct()).hasSize(n);
        assertThat(attached.stream().map(a -> a.ports().getFirst().hostPort()).distinct()).hasSize(n);
        assertThat(vethsOn(bridge)).hasSize(n);
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (String id : ids) {
                futures.add(pool.submit(() -> networking.detach(id)));
            }
            for (var f : futures) {
                f.get();
            }
        }
        for (int i = 0; i < n; i++) {
            assertNothingLeft(ids.get(i), attached.get(i).ipAddress());
        }
    }

    @Test
    void networksAreIsolatedButPublishedPortsCrossThem() throws IOException {
        Network other = networking.networks().create(new NetworkSpec(lab.name("iso"), java.util.Optional.of(lab.freeSubnet()),
                java.util.Optional.empty(), java.util.Map.of(), false));
        lab.removeLinkAtEnd(other.bridge().orElseThrow());
        int port = randomPort();
        Attachment server = networking.attach(request(newContainer(), other.name(), new PortBinding("tcp", 80, "", port)));
        lab.httpd(server.netns().orElseThrow(), 80, dataRoot.resolve("www"), "published");
        Attachment client = networking.attach(request(newContainer(), "default"));
        Path ns = client.netns().orElseThrow();

        assertThat(HostLab.curl(ns, "http://" + server.ipAddress() + "/").out()).isEmpty();
        assertThat(HostLab.curl(ns, "http://" + client.gateway() + ":" + port + "/").out()).isEqualTo("published");
    }

    @Test
    void containerModeSharesAnotherContainersNamespace() {
        String first = newContainer();
        Attachment a = networking.attach(request(first, "default"));
        String second = newContainer();
        Attachment b = networking.attach(request(second, "container:" + first));
        assertThat(b.netns()).isEqualTo(a.netns());
        assertThat(b.ipAddress()).isEqualTo(a.ipAddress());
        networking.detach(second);
        assertThat(a.netns().orElseThrow()).exists();
        assertThat(networking.attachment(first)).contains(a);
        assertThatThrownBy(() -> networking.attach(request(newContainer(), "container:" + second)))
                .hasMessage("cannot join network namespace of a non running container: " + second);
    }

    private void assertNothingLeft(String id, String ip) {
        assertThat(execRoot.resolve("netns").resolve(id)).doesNotExist();
        assertThat(dataRoot.resolve("network/endpoints").resolve(id + ".json")).doesNotExist();
        assertThat(networking.attachment(id)).isEmpty();
        assertThat(iptablesSave()).doesNotContain(id);
        if (ip != null) {
            assertThat(iptablesSave()).doesNotContain(ip + "/32").doesNotContain(ip + ":");
            assertThat(lease(ip)).doesNotExist();
            assertThat(vethsOn(bridge)).isEmpty();
        }
        try (Stream<Path> leases = Files.walk(dataRoot.resolve("network/ipam"))) {
            for (Path f : leases.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f)).as(f.toString()).doesNotContain(id);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Path lease(String ip) {
        return dataRoot.resolve("network/ipam/bridge").resolve(ip);
    }

    private static String iptablesSave() {
        return HostLab.ok("iptables-save");
    }

    private static List<String> vethsOn(String bridge) {
        return HostLab.run("ip", "-o", "link", "show", "master", bridge).out().lines().filter(l -> !l.isBlank()).toList();
    }
}
