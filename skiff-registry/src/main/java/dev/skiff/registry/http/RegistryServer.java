package dev.skiff.registry.http;

import dev.skiff.http.ExchangeHandler;
import dev.skiff.http.HttpServer;
import dev.skiff.http.RequestLog;
import dev.skiff.registry.auth.Authenticator;
import dev.skiff.registry.store.RegistryStore;
import dev.skiff.registry.store.RepositoryInfoStore;
import dev.skiff.registry.web.WebSite;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registry's HTTP server on {@link HttpServer}: the distribution API and token endpoint under
 * {@code /v2/} and {@code /token}, the web pages and their JSON API ({@link WebSite}) everywhere else.
 */
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
    public static RegistryServer start(InetSocketAddress address, RegistryStore store, RepositoryInfoStore infos,
                                       Authenticator auth, Optional<Tls> tls, PrintStream log) throws Exception {
        RegistryApi api = new RegistryApi(store, infos, auth);
        WebSite web = new WebSite(store, infos, auth);
        ExchangeHandler handler = ex -> {
            String path = ex.path();
            if (path.equals("/v2") || path.startsWith("/v2/") || path.equals("/token")) {
                api.handle(ex);
            } else {
                web.handle(ex);
            }
        };
        HttpServer.Site site = new HttpServer.Site(handler,
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
