package dev.skiff.engine.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

class SeqPacketSocketTest {

    @Test
    void messagesKeepTheirBoundariesAndAHalfCloseReadsAsTheEnd(@TempDir Path tmp) throws Exception {
        // deeper than sun_path's 108 bytes, as a container's bundle under a long data root is
        Path dir = Files.createDirectories(tmp.resolve("a".repeat(60)).resolve("b".repeat(60)));
        Path path = dir.resolve("attach");
        try (SeqPacketSocket server = SeqPacketSocket.listen(path)) {
            CompletableFuture<String> served = CompletableFuture.supplyAsync(() -> {
                try (SeqPacketSocket peer = server.accept()) {
                    peer.send(new byte[] {2, 'h', 'i'}, 0, 3);
                    peer.send(new byte[] {3, 'e', 'r', 'r'}, 0, 4);
                    byte[] buf = new byte[100];
                    int n = peer.receive(buf);
                    String in = new String(buf, 0, n, StandardCharsets.UTF_8);
                    return in + "|" + peer.receive(buf);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try (SeqPacketSocket client = SeqPacketSocket.connect(path)) {
                byte[] buf = new byte[100];
                assertThat(client.receive(buf)).isEqualTo(3);
                assertThat(buf[0]).isEqualTo((byte) 2);
                assertThat(client.receive(buf)).isEqualTo(4);
                assertThat(new String(buf, 1, 3, StandardCharsets.UTF_8)).isEqualTo("err");
                client.send("input".getBytes(StandardCharsets.UTF_8), 0, 5);
                client.shutdownOutput();
                assertThat(served.get()).isEqualTo("input|-1");
                assertThat(client.receive(buf)).isEqualTo(-1);
            }
        }
    }

    @Test
    void aMissingSocketIsAClearError(@TempDir Path tmp) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SeqPacketSocket.connect(tmp.resolve("none")))
                .hasMessageContaining("connect").hasMessageContaining("No such file");
    }
}
