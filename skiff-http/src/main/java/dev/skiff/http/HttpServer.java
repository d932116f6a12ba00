package dev.skiff.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.stream.ChunkedWriteHandler;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/1.1 server: Netty for the sockets (TCP, TLS, unix domain sockets), one virtual thread per
 * connection for the work ({@link HttpConnection}). The registry and the daemon's Engine API both
 * run on it.
 */
public final class HttpServer implements AutoCloseable {

    /** What a server serves: the handler, headers every response carries, and the request log. */
    public record Site(ExchangeHandler handler, Map<String, String> defaultHeaders, Optional<RequestLog> log) {
        public Site {
            defaultHeaders = Map.copyOf(defaultHeaders);
        }
    }

    /** Where to listen. */
    public sealed interface Listener {
        /** TCP, with TLS when {@code tls} is present. */
        record Tcp(InetSocketAddress address, Optional<Tls> tls) implements Listener {
        }

        /** A unix domain socket at {@code path} (replaced if a stale socket file is there). */
        record Unix(Path path) implements Listener {
        }
    }

    /** PEM certificate chain and private key; with {@code clientCa}, clients must present a certificate it signed. */
    public record Tls(Path certificate, Path key, Optional<Path> clientCa) {
    }

    private final EventLoopGroup group;
    private final List<Channel> channels;

    private HttpServer(EventLoopGroup group, List<Channel> channels) {
        this.group = group;
        this.channels = channels;
    }

    /** Binds every listener, or none: a failure closes what was bound and rethrows. */
    public static HttpServer start(Site site, List<Listener> listeners) throws Exception {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        List<Channel> bound = new ArrayList<>();
        try {
            for (Listener listener : listeners) {
                bound.add(bind(group, epoll, site, listener));
            }
            return new HttpServer(group, bound);
        } catch (Exception e) {
            bound.forEach(Channel::close);
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static Channel bind(EventLoopGroup group, boolean epoll, Site site, Listener listener) throws Exception {
        SslContext ssl = null;
        SocketAddress address;
        ServerBootstrap bootstrap = new ServerBootstrap().group(group)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.AUTO_READ, false)
                // a hijacked connection (docker attach) must stay writable after the client's half-close
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                // Reads of up to 1 MiB: a large upload then costs few syscalls and few file writes.
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(512, 16384, 1 << 20));
        switch (listener) {
            case Listener.Tcp tcp -> {
                bootstrap.channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                        .childOption(ChannelOption.TCP_NODELAY, true);
                if (tcp.tls().isPresent()) {
                    Tls tls = tcp.tls().get();
                    SslContextBuilder builder = SslContextBuilder.forServer(tls.certificate().toFile(), tls.key().toFile());
                    if (tls.clientCa().isPresent()) {
                        builder.trustManager(tls.clientCa().get().toFile()).clientAuth(io.netty.handler.ssl.ClientAuth.REQUIRE);
                    }
                    ssl = builder.build();
                }
                address = tcp.address();
            }
            case Listener.Unix unix -> {
                if (!epoll) {
                    throw new IOException("unix sockets need Linux epoll, which is not available here");
                }
                Files.createDirectories(unix.path().toAbsolutePath().getParent());
                Files.deleteIfExists(unix.path());
                bootstrap.channel(EpollServerDomainSocketChannel.class);
                address = new DomainSocketAddress(unix.path().toFile());
            }
        }
        SslContext sslContext = ssl;
        bootstrap.childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (sslContext != null) {
                    ch.pipeline().addLast(sslContext.newHandler(ch.alloc()));
                }
                ch.pipeline().addLast(new HttpServerCodec(8192, 16384, 1 << 20));
                ch.pipeline().addLast(new HttpServerExpectContinueHandler());
                ch.pipeline().addLast(new ChunkedWriteHandler());
                ch.pipeline().addLast(new HttpConnection(site, sslContext != null));
            }
        });
        return bootstrap.bind(address).sync().channel();
    }

    /** The address of the first TCP listener (with the real port when 0 was asked). */
    public Optional<InetSocketAddress> tcpAddress() {
        return channels.stream().map(Channel::localAddress).filter(InetSocketAddress.class::isInstance)
                .map(InetSocketAddress.class::cast).findFirst();
    }

    /** Stops accepting, lets requests in flight finish for up to two seconds, and stops. */
    @Override
    public void close() {
        channels.forEach(c -> c.close().syncUninterruptibly());
        group.shutdownGracefully(100, 2000, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
