package dev.skiff.daemon;

import dev.skiff.daemon.api.EngineApi;
import dev.skiff.daemon.events.EventBus;
import dev.skiff.daemon.events.ImageEvents;
import dev.skiff.engine.containers.ContainerEngine;
import dev.skiff.engine.content.ContentStore;
import dev.skiff.engine.network.ContainerNetworking;
import dev.skiff.engine.distribution.RegistryHosts;
import dev.skiff.engine.images.ImageEvent;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.engine.snapshots.Snapshotter;
import dev.skiff.formats.Digest;
import dev.skiff.http.HttpServer;
import dev.skiff.http.RequestLog;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/** A running daemon: the data root it owns and the Engine API it serves. */
public final class Daemon implements AutoCloseable {
    /** How long the daemon must be quiet after work before it gives memory back. */
    static final java.time.Duration QUIET_BEFORE_COLLECTING = java.time.Duration.ofSeconds(3);

    private final DataRootLock lock;
    private final HttpServer server;
    private final IdleCollector idleCollector;
    private final ContainerEngine containers;

    private ContainerNetworking networking;

    private Daemon(DataRootLock lock, HttpServer server, IdleCollector idleCollector, ContainerEngine containers) {
        this.lock = lock;
        this.server = server;
        this.idleCollector = idleCollector;
        this.containers = containers;
    }

    /**
     * Takes the data root, then starts listening; refuses when another daemon holds the root.
     * Containers get CNI networking on the standard default bridge ({@code skiff0}, 10.86.0.0/16); choose
     * another with
     * {@link #start(DaemonOptions, Optional, Function)}.
     */
    public static Daemon start(DaemonOptions options, Optional<PrintStream> requestLog) throws Exception {
        return start(options, requestLog, o -> dev.skiff.engine.network.CniNetworking.open(o.dataRoot(), o.execRoot(),
                dev.skiff.engine.network.DefaultBridge.STANDARD));
    }

    /**
     * @param networking makes the containers' networking for these options (closed with the daemon when
     *                   it is AutoCloseable);
     *                   called once, after the data root is taken
     */
    public static Daemon start(DaemonOptions options, Optional<PrintStream> requestLog,
                               Function<DaemonOptions, ContainerNetworking> networking) throws Exception {
        DataRootLock lock = DataRootLock.acquire(options.dataRoot());
        ContainerEngine containers = null;
        try {
            Files.createDirectories(options.execRoot());
            ContentStore content = ContentStore.open(options.dataRoot());
            Snapshotter snapshots = Snapshotter.open(options.dataRoot(), content);
            EventBus events = new EventBus();
            ImageEvents imageEvents = new ImageEvents(events, new DockerReferences());
            AtomicReference<ImageStore> store = new AtomicReference<>();
            ImageStore images = ImageStore.open(options.dataRoot(), content, new DockerReferences(), event -> {
                if (event instanceof ImageEvent.Deleted deleted) {
                    // asked again at removal: a pull may have recorded an image with these layers meanwhile
                    snapshots.removeUnused(deleted.releasedChainIds(), () -> chainIds(store.get()));
                }
                imageEvents.accept(event);
            }, snapshots.asUnpacker());
            store.set(images);
            imageEvents.attach(images);
            // layers a pull unpacked before it died, or whose image went while the daemon was down
            snapshots.retainOnly(chainIds(images));
            ContainerNetworking net = networking.apply(options);
            containers = ContainerEngine.open(options.dataRoot(), options.execRoot(), images, snapshots,
                    net, e -> events.publish("container", e.action(), e.id(), e.attributes()));
            EngineApi api = new EngineApi(new EngineInfo(options.dataRoot(), Instant.now()), images, content,
                    new RegistryHosts(java.util.Set.copyOf(options.insecureRegistries())), events, imageEvents, containers);
            if (net instanceof dev.skiff.engine.network.CniNetworking cni) {
                api.serveNetworks(cni);
            }
            IdleCollector idleCollector = new IdleCollector(QUIET_BEFORE_COLLECTING);
            HttpServer.Site site = new HttpServer.Site(idleCollector.counting(api), EngineApi.DEFAULT_HEADERS, requestLog.map(RequestLog::lines));
            HttpServer server = HttpServer.start(site, options.listeners());
            Daemon daemon = new Daemon(lock, server, idleCollector, containers);
            daemon.networking = net;
            return daemon;
        } catch (Exception e) {
            if (containers != null) {
                containers.close();
            }
            lock.close();
            throw e;
        }
    }

    private static Set<Digest> chainIds(ImageStore images) {
        return images.list().stream().flatMap(i -> i.chainIds().stream()).collect(Collectors.toSet());
    }

    public Optional<java.net.InetSocketAddress> tcpAddress() {
        return server.tcpAddress();
    }

    /** Stops serving; containers keep running under their conmon, for the next daemon to find. */
    @Override
    public void close() throws IOException {
        idleCollector.close();
        server.close();
        containers.close();
        if (networking instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                System.err.println("skiff daemon: closing networking: " + e.getMessage());
            }
        }
        lock.close();
    }

    /** What {@code /version} and {@code /info} report about this daemon. */
    public record EngineInfo(java.nio.file.Path dataRoot, Instant started) {
    }
}
