package dev.skiff.registry.http;

import dev.skiff.registry.auth.Authenticator;
import dev.skiff.registry.store.RegistryStore;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.stream.ChunkedWriteHandler;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;

/** The registry's HTTP server: Netty for the sockets, one virtual thread per connection for the work. */
public final class RegistryServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel serverChannel;

    private RegistryServer(EventLoopGroup group, Channel serverChannel) {
        this.group = group;
        this.serverChannel = serverChannel;
    }

    /** TLS certificate and key (PEM) for serving HTTPS. */
    public record Tls(Path certificate, Path key) {
    }

    /**
     * Binds and starts serving. {@code log} gets one line per request (null: no request log).
     *
     * @throws InterruptedException if interrupted while binding
     * @throws java.io.IOException  when the address can't be bound or the TLS files can't be read
     */
    public static RegistryServer start(InetSocketAddress address, RegistryStore store, Authenticator auth,
                                       Optional<Tls> tls, PrintStream log) throws Exception {
        SslContext ssl = null;
        if (tls.isPresent()) {
            ssl = SslContextBuilder.forServer(tls.get().certificate().toFile(), tls.get().key().toFile()).build();
        }
        RequestLog.configure(log == null ? System.out : log, log != null);
        RegistryApi api = new RegistryApi(store, auth);
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        SslContext sslContext = ssl;
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    // Reads of up to 1 MiB: a layer upload then costs few syscalls and few file writes.
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, new io.netty.channel.AdaptiveRecvByteBufAllocator(512, 16384, 1 << 20))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (sslContext != null) {
                                ch.pipeline().addLast(sslContext.newHandler(ch.alloc()));
                            }
                            ch.pipeline().addLast(new HttpServerCodec(8192, 16384, 1 << 20));
                            ch.pipeline().addLast(new HttpServerExpectContinueHandler());
                            ch.pipeline().addLast(new ChunkedWriteHandler());
                            ch.pipeline().addLast(new HttpConnection(api, sslContext != null));
                        }
                    });
            Channel channel = bootstrap.bind(address).sync().channel();
            return new RegistryServer(group, channel);
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
            throw e;
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Stops accepting, lets requests in flight finish for up to two seconds, and stops. */
    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(100, 2000, java.util.concurrent.TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
