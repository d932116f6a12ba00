package dev.skiff.registry.http;

import dev.skiff.http.HttpServer;
import dev.skiff.http.RequestLog;
import dev.skiff.registry.auth.Authenticator;
import dev.skiff.registry.store.RegistryStore;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The registry's HTTP server: the distribution API on {@link HttpServer}. */
public final class RegistryServer implements AutoCloseable {
    private final HttpServer server;

    private RegistryServer(HttpServer server) {
        this.server = server;
    }

    /** TLS certificate and key (PEM) for serving HTTPS. */
    public record Tls(Path certificate, Path key) {
    }

    /**
     * Binds and starts serving. {@code log} gets one line per request (null: no request log).
     *
     * @throws java.io.IOException when the address can't be bound or the TLS files can't be read
     */
    public static RegistryServer start(InetSocketAddress address, RegistryStore store, Authenticator auth,
                                       Optional<Tls> tls, PrintStream log) throws Exception {
        HttpServer.Site site = new HttpServer.Site(new RegistryApi(store, auth),
                Map.of("Docker-Distribution-Api-Version", "registry/2.0", "X-Content-Type-Options", "nosniff"),
                Optional.ofNullable(log).map(RequestLog::lines));
        HttpServer server = HttpServer.start(site, List.of(new HttpServer.Listener.Tcp(address,
                tls.map(t -> new HttpServer.Tls(t.certificate(), t.key(), Optional.empty())))));
        return new RegistryServer(server);
    }

    public InetSocketAddress address() {
        return server.tcpAddress().orElseThrow();
    }

    @Override
    public void close() {
        server.close();
    }
}
