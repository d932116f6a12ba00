package dev.skiff.cli.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A small HTTP/1.1 client for the Engine API over a unix socket or TCP. The JDK's HttpClient can't
 * speak over unix sockets, and the API needs little: one request per connection, bodies by length,
 * chunks or close, and hijacked streams ({@code Upgrade: tcp}) for attach and exec.
 */
public final class EngineClient {
    /** Where the daemon is: {@code unix:///path} or {@code tcp://host:port}. */
    public sealed interface Host {
        record Unix(Path path) implements Host {
            @Override
            public String toString() {
                return "unix://" + path;
            }
        }

        record Tcp(String host, int port) implements Host {
            @Override
            public String toString() {
                return "tcp://" + host + ":" + port;
            }
        }

        static Host parse(String text) {
            if (text.startsWith("unix://") && text.length() > "unix://".length()) {
                return new Unix(Path.of(text.substring("unix://".length())));
            }
            if (text.startsWith("tcp://")) {
                String rest = text.substring("tcp://".length());
                int colon = rest.lastIndexOf(':');
                if (colon > 0) {
                    try {
                        return new Tcp(rest.substring(0, colon), Integer.parseInt(rest.substring(colon + 1)));
                    } catch (NumberFormatException e) {
                        // fall through to the error
                    }
                }
            }
            throw new ClientException("invalid daemon address " + text + ": use unix:///path/to/skiff.sock or tcp://host:port");
        }
    }

    /** A response: status, headers (lower-case names) and the body as a stream. */
    public record Response(int status, Map<String, String> headers, InputStream body) implements AutoCloseable {
        public byte[] readAll() throws IOException {
            try (InputStream in = body) {
                return in.readAllBytes();
            }
        }

        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    private final Host host;
    private String apiPrefix = "";

    public EngineClient(Host host) {
        this.host = host;
    }

    public Host host() {
        return host;
    }

    /** Asks the daemon's API version ({@code HEAD /_ping}) and uses it as the path prefix, as docker does. */
    public String negotiate() throws IOException {
        try (Response r = send("HEAD", "/_ping", Map.of(), null)) {
            String version = Optional.ofNullable(r.headers().get("api-version")).orElse("1.41");
            apiPrefix = "/v" + version;
            return version;
        }
    }

    public Response send(String method, String path, Map<String, String> headers, byte[] body) throws IOException {
        return send(method, path, headers, body == null ? null : new java.io.ByteArrayInputStream(body), body == null ? -1 : body.length);
    }

    /** Sends a body streamed from {@code body}: with Content-Length when {@code length} is known, else chunked. */
    public Response send(String method, String path, Map<String, String> headers, InputStream body, long length) throws IOException {
        SocketChannel channel = connect();
        try {
            writeRequest(channel, method, path, "close", headers, body, length);
            InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(channel), 65536);
            int status = readStatus(in);
            Map<String, String> responseHeaders = readHeaders(in);
            InputStream bodyStream;
            if (method.equals("HEAD") || status == 204 || status == 304) {
                bodyStream = InputStream.nullInputStream();
                channel.close();
            } else {
                bodyStream = bodyOf(in, responseHeaders, channel);
            }
            return new Response(status, responseHeaders, bodyStream);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Sends a request with {@code Connection: Upgrade} and {@code Upgrade: tcp} (attach, exec start) and, on
     * {@code 101}, hands over the connection as a raw byte stream both ways. Any other answer is an
     * {@link UpgradeRefusedException} holding the daemon's body.
     */
    public HijackedStream hijack(String method, String path, Map<String, String> headers, byte[] body) throws IOException {
        SocketChannel channel = connect();
        try {
            Map<String, String> all = new LinkedHashMap<>(headers);
            all.put("Upgrade", "tcp");
            writeRequest(channel, method, path, "Upgrade", all, new java.io.ByteArrayInputStream(body == null ? new byte[0] : body),
                    body == null ? 0 : body.length);
            InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(channel), 65536);
            int status = readStatus(in);
            Map<String, String> responseHeaders = readHeaders(in);
            if (status == 101) {
                return new HijackedStream(channel, in, Channels.newOutputStream(channel));
            }
            byte[] answer;
            try (InputStream bodyStream = bodyOf(in, responseHeaders, channel)) {
                answer = bodyStream.readAllBytes();
            }
            throw new UpgradeRefusedException(status, new String(answer, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The daemon answered an upgrade request with something other than 101; its body says why. */
    public static final class UpgradeRefusedException extends ClientException {
        private final int status;
        private final String body;

        UpgradeRefusedException(int status, String body) {
            super("the daemon refused to attach (status " + status + "): " + body.strip());
            this.status = status;
            this.body = body;
        }

        public int status() {
            return status;
        }

        public String body() {
            return body;
        }
    }

    private void writeRequest(SocketChannel channel, String method, String path, String connection, Map<String, String> headers,
                              InputStream body, long length) throws IOException {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(path.startsWith("/_ping") ? path : apiPrefix + path).append(" HTTP/1.1\r\n");
        head.append("Host: api.skiff.localhost\r\n");
        head.append("User-Agent: Skiff-Client/0.1 (linux)\r\n");
        head.append("Connection: ").append(connection).append("\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        if (body != null) {
            head.append(length >= 0 ? "Content-Length: " + length : "Transfer-Encoding: chunked").append("\r\n");
        }
        head.append("\r\n");
        OutputStream out = new java.io.BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null && length >= 0) {
            body.transferTo(out);
        } else if (body != null) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = body.read(buffer)) > 0) {
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(buffer, 0, n);
                out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        out.flush();
    }

    private int readStatus(InputStream in) throws IOException {
        String statusLine = readLine(in);
        if (statusLine == null || !statusLine.startsWith("HTTP/1.")) {
            throw new ClientException("the daemon at " + host + " did not answer with HTTP; is it a skiff (or docker) daemon?");
        }
        return Integer.parseInt(statusLine.split(" ", 3)[1]);
    }

    private static Map<String, String> readHeaders(InputStream in) throws IOException {
        Map<String, String> responseHeaders = new LinkedHashMap<>();
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                responseHeaders.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
            }
        }
        return responseHeaders;
    }

    private static InputStream bodyOf(InputStream in, Map<String, String> responseHeaders, SocketChannel channel) {
        if ("chunked".equalsIgnoreCase(responseHeaders.get("transfer-encoding"))) {
            return new ChunkedInputStream(in, channel);
        } else if (responseHeaders.containsKey("content-length")) {
            return new BoundedInputStream(in, Long.parseLong(responseHeaders.get("content-length")), channel);
        }
        return new ClosingInputStream(in, channel);
    }

    private SocketChannel connect() throws IOException {
        try {
            return switch (host) {
                case Host.Unix unix -> {
                    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                    try {
                        ch.connect(UnixDomainSocketAddress.of(unix.path()));
                    } catch (IOException e) {
                        ch.close();
                        throw e;
                    }
                    yield ch;
                }
                case Host.Tcp tcp -> SocketChannel.open(new InetSocketAddress(tcp.host(), tcp.port()));
            };
        } catch (java.net.SocketException e) { // refused, or no socket file at the path
            throw new DaemonNotRunningException(host);
        }
    }

    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                line.write(c);
            }
        }
        if (c < 0 && line.size() == 0) {
            return null;
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /** No daemon answers at the address: the one-line message says how to start one. */
    public static final class DaemonNotRunningException extends ClientException {
        DaemonNotRunningException(Host host) {
            super("cannot connect to the skiff daemon at " + host + ": is it running? Start it with 'sudo skiff daemon"
                    + (host instanceof Host.Unix u && !u.path().toString().equals("/run/skiff/skiff.sock")
                    ? " -H " + host : "") + "', or point -H / SKIFF_HOST at a running one");
        }
    }

    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private final SocketChannel channel;
        private long remaining;

        BoundedInputStream(InputStream in, long length, SocketChannel channel) {
            this.in = in;
            this.remaining = length;
            this.channel = channel;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int c = in.read();
            if (c >= 0) {
                remaining--;
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static final class ClosingInputStream extends java.io.FilterInputStream {
        private final SocketChannel channel;

        ClosingInputStream(InputStream in, SocketChannel channel) {
            super(in);
            this.channel = channel;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static final class ChunkedInputStream extends InputStream {
        private final InputStream in;
        private final SocketChannel channel;
        private long chunkRemaining;
        private boolean done;

        ChunkedInputStream(InputStream in, SocketChannel channel) {
            this.in = in;
            this.channel = channel;
        }

        private boolean ensureChunk() throws IOException {
            if (done) {
                return false;
            }
            if (chunkRemaining == 0) {
                String sizeLine = readLine(in);
                if (sizeLine == null) {
                    // a chunked body ends with a zero-size chunk: without it the body was cut short
                    throw new java.io.EOFException("the daemon closed the connection before the end of its answer");
                }
                if (sizeLine.isEmpty()) {
                    sizeLine = readLine(in);
                }
                int semicolon = sizeLine.indexOf(';');
                chunkRemaining = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).strip(), 16);
                if (chunkRemaining == 0) {
                    done = true;
                    return false;
                }
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (!ensureChunk()) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, chunkRemaining));
            if (n < 0) {
                throw new java.io.EOFException("the daemon closed the connection before the end of its answer");
            }
            chunkRemaining -= n;
            if (chunkRemaining == 0) {
                readLine(in); // the CRLF after each chunk
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
