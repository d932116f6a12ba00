package dev.skiff.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A hijacked connection, as docker's attach uses it: raw bytes both ways, and a client that half-closes. */
class HijackTest {

    /** Echoes each piece the client sends, upper-cased, at once; at the client's half-close it says "bye" and ends. */
    private static final ExchangeHandler UPPER = ex -> {
        if (!ex.path().equals("/upper")) {
            ex.send(404, Map.of(), new byte[0], null);
            return;
        }
        Exchange.Hijacked raw = ex.hijack(101, "101 UPGRADED", Map.of("Content-Type", "application/vnd.docker.raw-stream",
                "Connection", "Upgrade", "Upgrade", "tcp"));
        try {
            byte[] buf = new byte[1024];
            int n;
            while ((n = raw.input().read(buf)) > 0) {
                raw.output().write(new String(buf, 0, n, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
            }
            raw.output().write("bye".getBytes(StandardCharsets.UTF_8));
            raw.shutdownOutput();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    };

    @Test
    void rawBytesFlowBothWaysAfterTheHeadAndAHalfCloseIsNotAHangUp(@TempDir Path tmp) throws Exception {
        Path socket = tmp.resolve("s.sock");
        try (HttpServer server = HttpServer.start(new HttpServer.Site(UPPER, Map.of("Server", "test"), Optional.empty()),
                List.of(new HttpServer.Listener.Unix(socket)))) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                // as docker's client does: the request, its answer's head, then raw bytes and a half-close
                String request = "POST /upper HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
                ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
                InputStream in = Channels.newInputStream(ch);
                String head = readHead(in);
                assertThat(head).startsWith("HTTP/1.1 101 UPGRADED\r\n")
                        .contains("Upgrade: tcp\r\n").doesNotContain("Server:");
                ch.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.ISO_8859_1)));
                assertThat(new String(in.readNBytes(5), StandardCharsets.ISO_8859_1)).isEqualTo("HELLO");
                ch.write(ByteBuffer.wrap("world".getBytes(StandardCharsets.ISO_8859_1)));
                assertThat(new String(in.readNBytes(5), StandardCharsets.ISO_8859_1)).isEqualTo("WORLD");
                // the half-close ends the server's input, and its output still reaches us
                ch.shutdownOutput();
                assertThat(new String(readAll(in), StandardCharsets.ISO_8859_1)).isEqualTo("bye");
            }
        }
    }

    @Test
    void ordinaryRequestsStillWorkOnTheSameServer(@TempDir Path tmp) throws Exception {
        Path socket = tmp.resolve("s.sock");
        try (HttpServer server = HttpServer.start(new HttpServer.Site(UPPER, Map.of(), Optional.empty()),
                List.of(new HttpServer.Listener.Unix(socket)))) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                ch.write(ByteBuffer.wrap("GET /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
                String all = new String(readAll(Channels.newInputStream(ch)), StandardCharsets.ISO_8859_1);
                assertThat(all).startsWith("HTTP/1.1 404 Not Found\r\n");
            }
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }
}
