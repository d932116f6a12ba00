package dev.skiff.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One request and its response, seen from the connection's virtual thread: the head, a body read on
 * demand, and the send methods. Exactly one response is sent per exchange.
 */
public final class Exchange {
    /** Marks a head whose body follows through {@link Chunked}. */
    private static final boolean SENDFILE = Boolean.getBoolean("skiff.http.sendfile");
    private final HttpConnection connection;
    private final Channel channel;
    private final HttpRequest request;
    private final QueryStringDecoder uri;
    private final boolean secure;
    private final long startNanos = System.nanoTime();
    private boolean bodyDone;
    private boolean keepAlive;
    private boolean responded;
    private int status;
    private long responseBytes;
    private String user = "-";

    Exchange(HttpConnection connection, Channel channel, HttpRequest request, boolean secure) {
        this.connection = connection;
        this.channel = channel;
        this.request = request;
        this.uri = new QueryStringDecoder(request.uri());
        this.secure = secure;
        this.keepAlive = HttpUtil.isKeepAlive(request);
    }

    public HttpMethod method() {
        return request.method();
    }

    /** The decoded path, without the query. */
    public String path() {
        return uri.path();
    }

    public String rawUri() {
        return request.uri();
    }

    public Optional<String> query(String name) {
        List<String> values = uri.parameters().get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    public List<String> queryAll(String name) {
        return uri.parameters().getOrDefault(name, List.of());
    }

    public Optional<String> header(CharSequence name) {
        return Optional.ofNullable(request.headers().get(name));
    }

    public String clientAddress() {
        return channel.remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "-";
    }

    /** scheme://host of this request, for absolute Location headers as distribution writes them. */
    public String baseUrl() {
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host == null || !host.matches("[A-Za-z0-9.\\-:\\[\\]]{1,300}")) {
            return "";
        }
        return (secure ? "https://" : "http://") + host;
    }

    public void user(String user) {
        this.user = user;
    }

    // ---- request body ------------------------------------------------------------------------

    /**
     * The next piece of the body, or null at its end. The caller owns the buffer and must release it.
     */
    public ByteBuf nextChunk() throws InterruptedException {
        while (!bodyDone) {
            Object o = connection.next();
            if (o == HttpConnection.CLOSED || o == HttpConnection.INPUT_SHUT) {
                bodyDone = true;
                keepAlive = false;
                throw new ConnectionLost();
            }
            if (o instanceof HttpContent content) {
                if (content.decoderResult().isFailure()) {
                    content.release();
                    bodyDone = true;
                    keepAlive = false;
                    throw new ConnectionLost();
                }
                if (content instanceof LastHttpContent) {
                    bodyDone = true;
                }
                ByteBuf buf = content.content();
                if (buf.isReadable()) {
                    return buf;
                }
                buf.release();
            } else {
                ReferenceCountUtil.release(o);
            }
        }
        return null;
    }

    /** Streams the body into {@code sink}; returns the number of bytes. */
    public long readBody(Consumer<ByteBuffer> sink) throws InterruptedException {
        long total = 0;
        ByteBuf chunk;
        while ((chunk = nextChunk()) != null) {
            try {
                total += chunk.readableBytes();
                for (ByteBuffer b : chunk.nioBuffers()) {
                    sink.accept(b);
                }
            } finally {
                chunk.release();
            }
        }
        return total;
    }

    /** The whole body as bytes, or empty when it is larger than {@code limit}. */
    public Optional<byte[]> readBody(int limit) throws InterruptedException {
        ByteBuf all = Unpooled.buffer();
        try {
            ByteBuf chunk;
            while ((chunk = nextChunk()) != null) {
                try {
                    if (all.readableBytes() + chunk.readableBytes() > limit) {
                        return Optional.empty();
                    }
                    all.writeBytes(chunk);
                } finally {
                    chunk.release();
                }
            }
            byte[] bytes = new byte[all.readableBytes()];
            all.readBytes(bytes);
            return Optional.of(bytes);
        } finally {
            all.release();
        }
    }

    // ---- responses ---------------------------------------------------------------------------

    public void send(int status, Map<String, String> headers, byte[] body, String contentType) {
        var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                body.length == 0 || request.method().equals(HttpMethod.HEAD) ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        HttpHeaders h = response.headers();
        if (contentType != null) {
            h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        headers.forEach(h::set);
        if (!h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            h.set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        }
        write(status, response, body.length, null);
    }

    /**
     * Sends {@code length} bytes of a file from {@code offset} in 1 MiB chunks read into pooled buffers.
     * sendfile ({@code -Dskiff.http.sendfile=true}) spends less CPU but measured slower on loopback
     * (bench/registry); TLS always needs the chunks.
     */
    public void sendFile(int status, Map<String, String> headers, FileChannel file, long offset, long length, String contentType) {
        var response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        headers.forEach(h::set);
        h.set(HttpHeaderNames.CONTENT_LENGTH, length);
        if (request.method().equals(HttpMethod.HEAD)) {
            closeQuietly(file);
            write(status, new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, response.status(), Unpooled.EMPTY_BUFFER,
                    h, io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE), 0, null);
            return;
        }
        Object body;
        try {
            body = secure || !SENDFILE ? new HttpChunkedInput(new ChunkedNioFile(file, offset, length, 1 << 20))
                    : new DefaultFileRegion(file, offset, length);
        } catch (IOException e) {
            closeQuietly(file);
            throw new java.io.UncheckedIOException(e);
        }
        write(status, response, length, body);
    }

    /**
     * Starts a streamed response of unknown length ({@code Transfer-Encoding: chunked}) for progress
     * streams: the head goes out now, each {@link Chunked#write} is one chunk, {@link Chunked#end} ends it.
     */
    public Chunked sendChunked(int status, Map<String, String> headers, String contentType) {
        var response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        headers.forEach(h::set);
        HttpUtil.setTransferEncodingChunked(response, true);
        begin(status, response, 0);
        connection.site().log().ifPresent(log -> log.log(this));
        channel.writeAndFlush(response);
        return new Chunked();
    }

    /** The body of a response started with {@link #sendChunked}. */
    public final class Chunked {
        private boolean ended;

        private Chunked() {
        }

        public void write(byte[] bytes) {
            if (ended) {
                throw new IllegalStateException("the chunked response was already ended");
            }
            if (bytes.length > 0) {
                responseBytes += bytes.length;
                channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)));
            }
        }

        public void end() {
            if (ended) {
                return;
            }
            ended = true;
            ChannelFuture last = channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            if (!keepAlive) {
                last.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    /** Writes a response body of unknown length to the stream it is given. */
    @FunctionalInterface
    public interface BodyWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Sends a response whose body {@code writer} produces, in chunked transfer encoding, waiting for
     * each 256 KiB chunk to reach the socket before producing the next, so a slow client slows the
     * writer instead of filling the heap. When the writer fails after the head went out, the
     * connection is closed, so the client sees a truncated body and never a well-formed wrong one,
     * and the writer's exception is thrown; no other response may then be sent.
     */
    public void sendStream(int status, Map<String, String> headers, String contentType, BodyWriter writer) throws IOException {
        var response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        headers.forEach(h::set);
        HttpUtil.setTransferEncodingChunked(response, true);
        begin(status, response, -1);
        channel.writeAndFlush(response);
        ChunkStream out = new ChunkStream();
        try {
            if (!request.method().equals(HttpMethod.HEAD)) {
                writer.writeTo(out);
                out.flush();
            }
            responseBytes = out.total;
        } catch (IOException | RuntimeException e) {
            keepAlive = false;
            channel.close();
            throw e;
        }
        connection.site().log().ifPresent(log -> log.log(this));
        ChannelFuture last = channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        if (!keepAlive) {
            last.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The body of a streamed response, as HTTP chunks of up to 256 KiB. */
    private final class ChunkStream extends OutputStream {
        private final byte[] buf = new byte[256 << 10];
        private int used;
        private long total;

        @Override
        public void write(int b) throws IOException {
            if (used == buf.length) {
                flush();
            }
            buf[used++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (used == buf.length) {
                    flush();
                }
                int n = Math.min(len, buf.length - used);
                System.arraycopy(b, off, buf, used, n);
                used += n;
                off += n;
                len -= n;
            }
        }

        @Override
        public void flush() throws IOException {
            if (used == 0) {
                return;
            }
            ChannelFuture f = channel.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(buf, 0, used)));
            total += used;
            used = 0;
            f.awaitUninterruptibly();
            if (!f.isSuccess()) {
                throw new IOException("the client went away: "
                        + (f.cause() == null ? "connection closed" : f.cause().getMessage()), f.cause());
            }
        }
    }

    /**
     * Takes the connection over for raw bytes both ways, as dockerd's attach and exec do: the request's
     * body is read, the head {@code HTTP/1.1 <statusLine>} with exactly {@code headers} goes out (no
     * default headers, as dockerd's {@code 101 UPGRADED} has none), and from then on the connection
     * carries no more HTTP. The client may half-close its side (docker does when it has no stdin) and
     * still read; the connection closes when the handler returns.
     */
    public Hijacked hijack(int status, String statusLine, Map<String, String> headers) throws InterruptedException {
        if (responded) {
            throw new IllegalStateException("a response was already sent for " + request.uri());
        }
        ByteBuf chunk;
        while ((chunk = nextChunk()) != null) {
            chunk.release();
        }
        responded = true;
        keepAlive = false;
        this.status = status;
        this.responseBytes = -1;
        // Bytes the client sent after the request stay in the decoder; removing it hands them on raw.
        io.netty.channel.ChannelPipeline pipeline = channel.pipeline();
        channel.eventLoop().submit(() -> {
            pipeline.remove(io.netty.handler.codec.http.HttpServerExpectContinueHandler.class);
            pipeline.remove(io.netty.handler.codec.http.HttpServerCodec.class);
            // From here the bytes are read as they come (a terminal's keys, not uploads): with reads on
            // demand, a client's quick data-then-FIN could be seen as the FIN alone (HijackTest).
            channel.config().setAutoRead(true);
        }).syncUninterruptibly();
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(statusLine).append("\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("\r\n");
        connection.site().log().ifPresent(log -> log.log(this));
        channel.writeAndFlush(Unpooled.copiedBuffer(head, java.nio.charset.StandardCharsets.ISO_8859_1)).syncUninterruptibly();
        return new Hijacked();
    }

    /** A connection taken over by {@link #hijack}: raw bytes in, raw bytes out. */
    public final class Hijacked {
        private final java.io.InputStream in = new RawInput();
        private final OutputStream out = new RawOutput();

        private Hijacked() {
        }

        /** What the client sends; end of stream when it half-closes or goes away. */
        public java.io.InputStream input() {
            return in;
        }

        /** To the client; each {@code flush} waits until the bytes reached the socket. */
        public OutputStream output() {
            return out;
        }

        /** Tells the client there is no more output (a half-close), keeping its input readable. */
        public void shutdownOutput() {
            if (channel instanceof io.netty.channel.socket.DuplexChannel duplex && channel.isActive()) {
                duplex.shutdownOutput().awaitUninterruptibly();
            } else {
                channel.close();
            }
        }

        /** False once the client went away entirely. */
        public boolean connected() {
            return channel.isActive();
        }
    }

    private final class RawInput extends java.io.InputStream {
        private ByteBuf current;
        private boolean eof;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (current == null || !current.isReadable()) {
                if (current != null) {
                    current.release();
                    current = null;
                }
                if (eof) {
                    return -1;
                }
                Object o;
                try {
                    o = connection.next();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while reading the hijacked connection");
                }
                if (o == HttpConnection.CLOSED || o == HttpConnection.INPUT_SHUT) {
                    eof = true;
                } else if (o instanceof ByteBuf buf) {
                    current = buf;
                } else if (o instanceof HttpContent content) {
                    current = content.content();
                } else {
                    ReferenceCountUtil.release(o);
                }
            }
            int n = Math.min(len, current.readableBytes());
            current.readBytes(b, off, n);
            return n;
        }

        @Override
        public void close() {
            if (current != null) {
                current.release();
                current = null;
            }
            eof = true;
        }
    }

    private final class RawOutput extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return;
            }
            ChannelFuture f = channel.writeAndFlush(Unpooled.copiedBuffer(b, off, len));
            f.awaitUninterruptibly();
            if (!f.isSuccess()) {
                throw new IOException("the client went away: "
                        + (f.cause() == null ? "connection closed" : f.cause().getMessage()), f.cause());
            }
        }
    }

    /** What every response does before its head goes out. */
    private void begin(int status, io.netty.handler.codec.http.HttpResponse response, long bytes) {
        if (responded) {
            throw new IllegalStateException("a response was already sent for " + request.uri());
        }
        responded = true;
        this.status = status;
        this.responseBytes = bytes;
        HttpHeaders h = response.headers();
        connection.site().defaultHeaders().forEach(h::set);
        h.set(HttpHeaderNames.DATE, DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)));
        drainSmallBody();
        if (!bodyDone) {
            // The handler answered without reading a large body: closing is cheaper than draining it.
            keepAlive = false;
        }
        HttpUtil.setKeepAlive(response, keepAlive);
    }

    private void write(int status, io.netty.handler.codec.http.HttpResponse response, long bytes, Object body) {
        begin(status, response, bytes);
        // Logged before the bytes go out, so a client that has its answer always finds the line written.
        connection.site().log().ifPresent(log -> log.log(this));
        ChannelFuture last;
        if (body == null) {
            last = channel.writeAndFlush(response);
        } else {
            channel.write(response);
            channel.write(body);
            last = channel.writeAndFlush(body instanceof HttpChunkedInput ? Unpooled.EMPTY_BUFFER : LastHttpContent.EMPTY_LAST_CONTENT);
        }
        if (!keepAlive) {
            last.addListener(ChannelFutureListener.CLOSE);
        }
    }

    // A GET's empty body (its LastHttpContent) or a few unread bytes: read them so the connection stays reusable.
    private void drainSmallBody() {
        if (bodyDone || HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 65536) {
            return;
        }
        try {
            ByteBuf chunk;
            while ((chunk = nextChunk()) != null) {
                chunk.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            keepAlive = false;
        } catch (ConnectionLost e) {
            keepAlive = false;
        }
    }

    private static void closeQuietly(FileChannel file) {
        try {
            file.close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /** After the handler: true when the connection can serve another request. */
    boolean finish() {
        if (!responded) {
            throw new IllegalStateException("no response was sent for " + request.uri());
        }
        return keepAlive && bodyDone;
    }

    /**
     * False once the client has closed the connection (or shut its side of it): how a stream that
     * writes rarely notices.
     */
    public boolean clientConnected() {
        return channel.isActive() && !connection.inputShut();
    }

    public long elapsedMicros() {
        return (System.nanoTime() - startNanos) / 1000;
    }

    public int status() {
        return status;
    }

    public long responseBytes() {
        return responseBytes;
    }

    public String userForLog() {
        return user;
    }

    public String userAgent() {
        return header(HttpHeaderNames.USER_AGENT).orElse("-");
    }

    /** Headers of the request, for handlers that need more than {@link #header}. */
    public HttpHeaders requestHeaders() {
        return request.headers();
    }

    /** The client closed the connection or sent a broken body. */
    public static final class ConnectionLost extends RuntimeException {
        ConnectionLost() {
            super("connection lost", null, false, false);
        }
    }
}
