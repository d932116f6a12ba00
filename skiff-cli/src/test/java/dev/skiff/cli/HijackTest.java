package dev.skiff.cli;

import dev.skiff.cli.client.EngineClient;
import dev.skiff.cli.client.HijackedStream;
import dev.skiff.cli.client.StdCopy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The client's {@code Upgrade: tcp} hijack against a tiny peer on a real unix socket (and TCP) that
 * answers 101 as dockerd does, then echoes what the client sent, multiplexed, after the client's
 * half-close. The peer stands in for the network side only; the client code is the real one.
 */
class HijackTest {
    private static final String UPGRADED = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
            + "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";

    /** Serves one connection: records the request head, answers {@code answer}, and if it is a 101 echoes stdin back. */
    private static CompletableFuture<String> serveOnce(ServerSocketChannel server, String answer) {
        CompletableFuture<String> head = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (SocketChannel ch = server.accept()) {
                InputStream in = Channels.newInputStream(ch);
                OutputStream out = Channels.newOutputStream(ch);
                ByteArrayOutputStream request = new ByteArrayOutputStream();
                while (!request.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    int c = in.read();
                    if (c < 0) {
                        break;
                    }
                    request.write(c);
                }
                String text = request.toString(StandardCharsets.ISO_8859_1);
                int length = text.lines().filter(l -> l.toLowerCase().startsWith("content-length:"))
                        .map(l -> Integer.parseInt(l.substring(15).strip())).findFirst().orElse(0);
                byte[] body = in.readNBytes(length);
                head.complete(text + new String(body, StandardCharsets.UTF_8));
                if (!answer.startsWith("HTTP/1.1 101")) {
                    out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
                    return;
                }
                // the 101 and the first frame in one write: the client must not lose bytes it buffered
                out.write(StdCopyTest.concat(answer.getBytes(StandardCharsets.ISO_8859_1), StdCopyTest.frame(2, "ready\n")));
                byte[] stdin = in.readAllBytes(); // until the client's half-close
                out.write(StdCopyTest.frame(1, new String(stdin, StandardCharsets.UTF_8)));
            } catch (IOException e) {
                head.completeExceptionally(e);
            }
        });
        return head;
    }

    private static void echoRoundTrip(EngineClient client, ServerSocketChannel server) throws Exception {
        CompletableFuture<String> head = serveOnce(server, UPGRADED);
        try (HijackedStream stream = client.hijack("POST", "/containers/abc/attach?stderr=1&stdin=1&stdout=1&stream=1",
                Map.of("Content-Type", "text/plain"), null)) {
            stream.output().write("ping\n".getBytes(StandardCharsets.UTF_8));
            stream.closeWrite();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            StdCopy.demultiplex(stream.input(), out, err);
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("ping\n");
            assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("ready\n");
        }
        String request = head.get(10, TimeUnit.SECONDS);
        assertThat(request).startsWith("POST /containers/abc/attach?stderr=1&stdin=1&stdout=1&stream=1 HTTP/1.1\r\n")
                .contains("\r\nConnection: Upgrade\r\n").contains("\r\nUpgrade: tcp\r\n").contains("\r\nContent-Type: text/plain\r\n")
                .contains("\r\nContent-Length: 0\r\n");
    }

    @Test
    void upgradesOverAUnixSocketAndHalfCloses(@TempDir Path tmp) throws Exception {
        Path socket = tmp.resolve("peer.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            echoRoundTrip(new EngineClient(new EngineClient.Host.Unix(socket)), server);
        }
    }

    @Test
    void upgradesOverTcp() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            echoRoundTrip(new EngineClient(new EngineClient.Host.Tcp("127.0.0.1", port)), server);
        }
    }

    @Test
    void execStartSendsItsBodyAndARefusalCarriesTheDaemonsMessage(@TempDir Path tmp) throws Exception {
        Path socket = tmp.resolve("peer.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            String json = "{\"message\":\"container abc is not running\"}";
            CompletableFuture<String> head = serveOnce(server, "HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\nContent-Length: "
                    + json.length() + "\r\n\r\n" + json);
            EngineClient client = new EngineClient(new EngineClient.Host.Unix(socket));
            byte[] body = "{\"Detach\":false,\"Tty\":false}\n".getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> client.hijack("POST", "/exec/e1/start", Map.of("Content-Type", "application/json"), body))
                    .isInstanceOfSatisfying(EngineClient.UpgradeRefusedException.class, e -> {
                        assertThat(e.status()).isEqualTo(409);
                        assertThat(ContainerRun.message(e.body(), e.status())).isEqualTo("container abc is not running");
                    });
            assertThat(head.get(10, TimeUnit.SECONDS)).endsWith("\r\n\r\n{\"Detach\":false,\"Tty\":false}\n");
        }
    }

    @Test
    void detachKeysParseAsDockersDo() {
        assertThat(AttachSession.detachKeys("ctrl-p,ctrl-q")).containsExactly(16, 17);
        assertThat(AttachSession.detachKeys("ctrl-@,a,ctrl-[")).containsExactly(0, 'a', 27);
        assertThatThrownBy(() -> AttachSession.detachKeys("ctrl-pq")).isInstanceOf(Cli.UserError.class);
    }
}
