package dev.skiff.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Bridges one Netty connection to one virtual thread. The event loop only decodes HTTP and queues the
 * parts; the virtual thread takes them in order and runs the handler as plain blocking code. Reads are
 * explicit ({@code autoRead} is off): the thread asks for more bytes only when it has used up what it
 * has, so a slow disk slows the client down instead of filling memory.
 */
final class HttpConnection extends ChannelInboundHandlerAdapter {
    static final Object CLOSED = new Object();
    /** The client shut its writing side (half-close); seen only on connections that allow it (hijacked ones). */
    static final Object INPUT_SHUT = new Object();

    private final HttpServer.Site site;
    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private final boolean secure;
    private Channel channel;
    private volatile boolean inputShut;

    HttpConnection(HttpServer.Site site, boolean secure) {
        this.site = site;
        this.secure = secure;
    }

    HttpServer.Site site() {
        return site;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        Thread.ofVirtual().name("http-" + channel.id().asShortText()).start(this::serve);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        inbox.add(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inbox.add(CLOSED);
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        // Half-closure is allowed on every connection (a hijacked one must survive it), so Netty does
        // not close on the client's FIN: the serve loop does, once the request at hand is answered.
        if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
            inputShut = true;
            inbox.add(INPUT_SHUT);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset connection or a TLS handshake from a client that expected plain HTTP: nothing to answer.
        ctx.close();
    }

    /** True once the client shut its side of the connection, by a half-close or by going away. */
    boolean inputShut() {
        return inputShut;
    }

    /** The next decoded part, asking the event loop to read when nothing is queued. */
    Object next() throws InterruptedException {
        Object o = inbox.poll();
        if (o == null) {
            // A hijacked connection reads on its own (autoRead); asking again after the client's
            // half-close made Netty's epoll_ctl fail (ENOENT) under load, and Netty then closed the
            // channel before the rest of the output went out (HijackTest: 53 of 300 under a busy CPU).
            if (!channel.config().isAutoRead()) {
                channel.read();
            }
            o = inbox.take();
        }
        return o;
    }

    /**
     * Ends a connection whose client may still be sending: our side first (the client reads the answer,
     * then the end), then up to a second for the client's end, its bytes dropped. Closing at once with
     * its bytes unread would reset the connection, and a reset can discard the answer before the client
     * reads it.
     */
    private void lingeringClose() throws InterruptedException {
        if (!(channel instanceof io.netty.channel.socket.DuplexChannel duplex) || !channel.isActive()) {
            return;
        }
        duplex.shutdownOutput().awaitUninterruptibly();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
        channel.config().setAutoRead(true);
        while (System.nanoTime() < deadline) {
            Object o = inbox.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), java.util.concurrent.TimeUnit.MILLISECONDS);
            if (o == null || o == CLOSED || o == INPUT_SHUT) {
                return;
            }
            ReferenceCountUtil.release(o);
        }
    }

    private void serve() {
        try {
            while (true) {
                Object o = next();
                if (o == CLOSED || o == INPUT_SHUT) {
                    return;
                }
                if (!(o instanceof HttpRequest request)) {
                    ReferenceCountUtil.release(o);
                    continue;
                }
                if (request.decoderResult().isFailure()) {
                    // Also what a TLS ClientHello looks like to a plain-HTTP server; docker then retries over HTTP.
                    var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                            Unpooled.copiedBuffer("400 Bad Request", StandardCharsets.UTF_8));
                    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                            .set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                            .set(HttpHeaderNames.CONNECTION, "close");
                    channel.writeAndFlush(response).awaitUninterruptibly();
                    lingeringClose();
                    return;
                }
                Exchange exchange = new Exchange(this, channel, request, secure);
                site.handler().handle(exchange);
                if (!exchange.finish()) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exchange.ConnectionLost e) {
            // the client went away mid-request; nothing to answer
        } finally {
            channel.close();
            Object o;
            while ((o = inbox.poll()) != null) {
                ReferenceCountUtil.release(o);
            }
        }
    }

}
