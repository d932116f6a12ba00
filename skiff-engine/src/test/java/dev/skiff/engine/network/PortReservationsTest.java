package dev.skiff.engine.network;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Port reservations with real sockets on 127.0.0.1 (no host networking changed). */
class PortReservationsTest {
    private final PortReservations ports = new PortReservations();

    @AfterEach
    void release() {
        ports.releaseAll();
    }

    @Test
    void aReservedPortIsHeldUntilReleased() throws Exception {
        List<PortBinding> got = ports.reserve("a", List.of(new PortBinding("tcp", 80, "127.0.0.1", 0)));
        int port = got.getFirst().hostPort();
        assertThat(port).isPositive();
        try (ServerSocket s = new ServerSocket()) {
            assertThatThrownBy(() -> s.bind(new InetSocketAddress("127.0.0.1", port))).isInstanceOf(java.net.BindException.class);
        }
        assertThatThrownBy(() -> ports.reserve("b", List.of(new PortBinding("tcp", 81, "", port))))
                .hasMessage("Bind for 0.0.0.0:" + port + " failed: port is already allocated");
        ports.release("a");
        assertThat(ports.reserve("b", List.of(new PortBinding("tcp", 81, "", port))).getFirst().hostPort()).isEqualTo(port);
    }

    @Test
    void twoBindingsOfOneRequestMayNotShareAPortAndAFailedRequestHoldsNothing() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        int p = port;
        assertThatThrownBy(() -> ports.reserve("a", List.of(new PortBinding("tcp", 80, "", p), new PortBinding("tcp", 81, "", p))))
                .hasMessage("Bind for 0.0.0.0:" + p + " failed: port is already allocated");
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("0.0.0.0", p));
        }
    }

    @Test
    void anAddressThisHostDoesNotHaveIsNamedAsSuch() {
        // 192.0.2.0/24 is TEST-NET-1: documentation only, never assigned to a host.
        assertThatThrownBy(() -> ports.reserve("a", List.of(new PortBinding("tcp", 80, "192.0.2.1", 3000))))
                .hasMessageContaining("cannot publish port 3000 on 192.0.2.1: no interface of this host has that address");
    }
}
