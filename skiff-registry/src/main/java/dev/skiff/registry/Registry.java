package dev.skiff.registry;

import dev.skiff.registry.auth.AccessPolicy;
import dev.skiff.registry.auth.Authenticator;
import dev.skiff.registry.auth.Htpasswd;
import dev.skiff.registry.auth.LoginThrottle;
import dev.skiff.registry.auth.TokenService;
import dev.skiff.registry.gc.CollectionLock;
import dev.skiff.registry.gc.GarbageCollector;
import dev.skiff.registry.gc.GcOptions;
import dev.skiff.registry.gc.OnlineCollector;
import dev.skiff.registry.http.RegistryServer;
import dev.skiff.registry.storage.FileSystemDriver;
import dev.skiff.registry.storage.RegistryLayout;
import dev.skiff.registry.store.ReachabilityGuard;
import dev.skiff.registry.store.RegistryStore;
import dev.skiff.registry.store.RepositoryInfoStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;

/** A running registry: storage, store, auth, HTTP server and (optionally) online garbage collection. */
public final class Registry implements AutoCloseable {
    private final RegistryServer server;
    private final Optional<OnlineCollector> collector;

    private Registry(RegistryServer server, Optional<OnlineCollector> collector) {
        this.server = server;
        this.collector = collector;
    }

    public static Registry start(RegistryOptions options) throws Exception {
        Files.createDirectories(options.root());
        FileSystemDriver driver = new FileSystemDriver(options.root());
        CollectionLock lock = CollectionLock.forFileSystem(options.root());
        ReachabilityGuard guard = () -> {
            try {
                return lock.shared()::close;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot take the garbage collection lock", e);
            }
        };
        RegistryStore store = new RegistryStore(driver, guard, InstantSource.system());
        Optional<Htpasswd> htpasswd = options.htpasswd().map(Htpasswd::load);
        TokenService tokens = new TokenService(options.root().resolve(RegistryLayout.SKIFF.substring(1)).resolve("token-key.jwk"),
                RegistryOptions.SERVICE, RegistryOptions.SERVICE, Duration.ofMinutes(5));
        RepositoryInfoStore infos = new RepositoryInfoStore(driver, InstantSource.system());
        Authenticator auth = new Authenticator(htpasswd,
                new AccessPolicy(options.admins(), options.anonymousPull(), infos::isPrivate),
                tokens, new LoginThrottle(InstantSource.system()), options.tokenRealm().orElse("/token"),
                RegistryOptions.SERVICE);
        RegistryServer server = RegistryServer.start(options.address(), store, infos, auth, options.tls(),
                options.requestLog().orElse(null));
        Optional<OnlineCollector> collector = options.gcInterval().map(interval -> OnlineCollector.start(
                new GarbageCollector(driver, lock, GcOptions.defaults(), InstantSource.system()), interval,
                report -> report.describe().forEach(line -> System.out.println("gc: " + line))));
        return new Registry(server, collector);
    }

    public InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() {
        collector.ifPresent(OnlineCollector::close);
        server.close();
    }
}
