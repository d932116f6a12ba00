package dev.skiff.daemon;

import dev.skiff.http.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DaemonTest {
    @TempDir
    Path tmp;

    DaemonOptions options(String socket) {
        return new DaemonOptions(tmp.resolve("data"), tmp.resolve("exec"), List.of(new HttpServer.Listener.Unix(tmp.resolve(socket))));
    }

    static String request(Path socket, String request) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (ch.read(buffer) > 0) {
                out.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void servesPingVersionAndInfoOnAUnixSocketWithVersionPrefixes() throws Exception {
        try (Daemon daemon = Daemon.start(options("skiff.sock"), Optional.empty())) {
            Path socket = tmp.resolve("skiff.sock");
            String ping = request(socket, "HEAD /_ping HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n");
            assertThat(ping).startsWith("HTTP/1.1 200").containsIgnoringCase("api-version: 1.41").containsIgnoringCase("ostype: linux")
                    .containsIgnoringCase("builder-version: 1");
            String version = request(socket, "GET /v1.41/version HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n");
            assertThat(version).contains("\"ApiVersion\":\"1.41\"").contains("\"MinAPIVersion\":\"1.12\"").contains("\"Os\":\"linux\"");
            String info = request(socket, "GET /info HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n");
            assertThat(info).contains("\"DockerRootDir\":\"" + tmp.resolve("data") + "\"").contains("\"OSType\":\"linux\"");
            assertThat(request(socket, "GET /v1.99/version HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 400").contains("client version 1.99 is too new. Maximum supported API version is 1.41");
            assertThat(request(socket, "GET /v1.11/version HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 400").contains("is too old");
            assertThat(request(socket, "GET /nothing HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 404").contains("{\"message\":\"page not found\"}");
            assertThat(request(socket, "POST /version HTTP/1.1\r\nHost: api\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 405");
        }
    }

    @Test
    void aSecondDaemonOnTheSameDataRootIsRefusedAndTheRootIsFreeAfterwards() throws Exception {
        try (Daemon first = Daemon.start(options("one.sock"), Optional.empty())) {
            assertThatThrownBy(() -> Daemon.start(options("two.sock"), Optional.empty()))
                    .isInstanceOf(DaemonException.class)
                    .hasMessageContaining("another skiff daemon (pid " + ProcessHandle.current().pid() + ")")
                    .hasMessageContaining("--data-root");
            assertThat(tmp.resolve("two.sock")).doesNotExist();
        }
        try (Daemon again = Daemon.start(options("three.sock"), Optional.empty())) {
            assertThat(Files.readString(tmp.resolve("data/skiff.lock")).strip()).isEqualTo(Long.toString(ProcessHandle.current().pid()));
        }
    }
}
