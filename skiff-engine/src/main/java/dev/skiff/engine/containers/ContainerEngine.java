package dev.skiff.engine.containers;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.engine.images.Image;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.engine.network.AttachRequest;
import dev.skiff.engine.network.Attachment;
import dev.skiff.engine.network.ContainerNetworking;
import dev.skiff.engine.network.PendingAttachment;
import dev.skiff.engine.network.PortBinding;
import dev.skiff.engine.snapshots.Snapshotter;
import dev.skiff.engine.volumes.Volumes;
import dev.skiff.formats.Digest;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The containers of one data root: create, start, stop, kill, restart, remove, rename, pause, wait
 * and logs, each container run by an OCI runtime under conmon. conmon, not this engine, is the
 * container's parent, so containers keep running when the daemon stops or dies; opening the engine
 * again finds them (live restore), and exits that happened meanwhile come from conmon's exit files.
 *
 * <p>Changes to one container are serialized by its lock; exits are noticed by a watcher of the exit
 * directory on a virtual thread.
 */
public final class ContainerEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ContainerEngine.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DEFAULT_STOP_TIMEOUT = 10;
    private static final long KILL_WAIT_SECONDS = 30;
    /** What {@code --init} runs as PID 1 (docker's docker-init is this same tini, built static). */
    static final Path DEFAULT_INIT_BINARY = Path.of("/usr/bin/tini-static");

    private final Path execRoot;
    private volatile Path initBinary = DEFAULT_INIT_BINARY;
    private final ImageStore images;
    private final Snapshotter snapshots;
    private final ContainerNetworking networking;
    private final Consumer<ContainerEvent> events;
    private final HealthMonitor health;
    private final ContainerStore store;
    private final Volumes volumes;
    private final Conmon conmon;
    private final Map<String, OciRuntime> runtimes = new ConcurrentHashMap<>();
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    private final Map<String, List<CompletableFuture<Integer>>> exitWaiters = new HashMap<>();
    private final Map<String, List<CompletableFuture<Integer>>> removalWaiters = new HashMap<>();
    /** Containers a user stopped or killed: their restart policy leaves them stopped. */
    private final Set<String> manuallyStopped = ConcurrentHashMap.newKeySet();
    private final WatchService watcher;
    /** Deletions of removed containers' directories under way: {@link #discard}. */
    private final Set<CompletableFuture<Void>> discards = ConcurrentHashMap.newKeySet();
    /** A removed container's directory, moved aside to be deleted. */
    private static final String REMOVED_PREFIX = ".removed-";
    private final Thread watcherThread;
    private final ExecSessions execs;

    private ContainerEngine(Path dataRoot, Path execRoot, ImageStore images, Snapshotter snapshots,
                            ContainerNetworking networking, Consumer<ContainerEvent> events) throws IOException {
        this.execRoot = execRoot;
        this.images = images;
        this.snapshots = snapshots;
        this.networking = networking;
        this.store = ContainerStore.open(dataRoot.resolve("containers"));
        this.volumes = Volumes.open(dataRoot);
        this.health = new HealthMonitor(new HealthMonitor.Engine() {
            @Override
            public Optional<Container> running(String id) {
                return store.byId(id).filter(c -> c.state().running());
            }

            @Override
            public List<String> runtimeCommand(Container c) {
                return runtimeLocation(c.id()).command();
            }

            @Override
            public void act(Container c, String action) {
                LOG.log(System.Logger.Level.INFO, "container " + c.shortId() + " is unhealthy: " + action + " (" + HealthMonitor.ON_FAILURE_LABEL + ")");
                switch (action) {
                    case "kill" -> kill(c.id(), "KILL");
                    case "stop" -> stop(c.id(), OptionalInt.empty());
                    case "restart" -> restart(c.id(), OptionalInt.empty());
                    default -> {
                    }
                }
            }

            @Override
            public void announce(Container c, String status) {
                events.accept(ContainerEvent.of("health_status: " + status, c, Map.of()));
            }
        });
        // the health checks follow the lifecycle: they start with the process and end with it
        this.events = e -> {
            switch (e.action()) {
                case "start" -> this.store.byId(e.id()).ifPresent(this.health::watch);
                case "die" -> health.stop(e.id());
                case "destroy" -> health.forget(e.id());
                default -> {
                }
            }
            events.accept(e);
        };
        this.conmon = new Conmon(execRoot.resolve("exits"), execRoot.resolve("sockets"));
        Files.createDirectories(conmon.exitDir());
        this.watcher = conmon.exitDir().getFileSystem().newWatchService();
        conmon.exitDir().register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        this.watcherThread = Thread.ofVirtual().name("skiff-exit-watcher").unstarted(this::watchExits);
        this.execs = new ExecSessions(this, execRoot);
    }

    /**
     * Opens the containers under {@code <dataRoot>/containers}, with runtime state (runc's, conmon's
     * exit files and sockets) under {@code execRoot}, and reconciles them with what still runs.
     *
     * @param events hears every container event; called on the thread that caused it
     */
    public static ContainerEngine open(Path dataRoot, Path execRoot, ImageStore images, Snapshotter snapshots,
                                       ContainerNetworking networking, Consumer<ContainerEvent> events) {
        try {
            ContainerEngine engine = new ContainerEngine(dataRoot, execRoot, images, snapshots, networking, events);
            engine.watcherThread.start(); // before reconciling, so no exit between the two is missed
            engine.restore();
            engine.list().stream().filter(c -> c.state().running()).forEach(engine.health::watch);
            return engine;
        } catch (IOException e) {
            throw new ContainerException.HostFailure("cannot open the containers of " + dataRoot + ": " + e.getMessage(), e);
        }
    }

    // ---- reading

    public List<Container> list() {
        return store.list();
    }

    /** By full ID, name, or unique ID prefix. */
    public Container get(String ref) {
        return store.resolve(ref);
    }

    /** The images containers were created from: an image removal must leave these (or be forced). */
    public Set<Digest> imagesInUse() {
        return store.list().stream().map(Container::imageId).collect(Collectors.toSet());
    }

    /** The host pids of a running container's processes ({@code docker top}). */
    public List<Integer> processes(String ref) {
        Container c = store.resolve(ref);
        if (!c.state().running()) {
            throw new ContainerException.Conflict("Container " + c.id() + " is not running");
        }
        return runtime(c.hostConfig().runtime()).processes(c.id());
    }

    /** The health of a container with a health check, as {@code State.Health} shows it. */
    public Optional<HealthMonitor.Health> health(String ref) {
        return health.health(store.resolve(ref).id());
    }

    /** The runtime and conmon state of a container, for exec and attach. */
    public RuntimeLocation runtimeLocation(String ref) {
        Container c = store.resolve(ref);
        OciRuntime r = runtime(c.hostConfig().runtime());
        return new RuntimeLocation(r.name(), r.binary(), r.root(), Conmon.BINARY, conmon.exitDir(), execRoot.resolve("sockets"));
    }

    /** A sample of a running container's counters; empty when it does not run. */
    public Optional<ResourceUsage> usage(String ref) {
        Container c = store.resolve(ref);
        return c.state().running() ? Optional.of(ResourceUsage.sample(c.id(), c.state().pid())) : Optional.empty();
    }

    /** Removes every container that does not run ({@code docker container prune}); returns their IDs. */
    public List<String> prune(java.util.function.Predicate<Container> which) {
        List<String> removed = new ArrayList<>();
        for (Container c : store.list()) {
            if (!c.state().running() && which.test(c)) {
                try {
                    removeStopped(c.id());
                    removed.add(c.id());
                } catch (ContainerException e) {
                    LOG.log(System.Logger.Level.WARNING, "prune could not remove " + c.id() + ": " + e.getMessage());
                }
            }
        }
        return removed;
    }

    /** {@code docker exec}: processes started in running containers. */
    public ExecSessions execs() {
        return execs;
    }

    /** The OCI runtime a container runs under (exec runs its processes with the same one). */
    OciRuntime runtimeOf(Container c) {
        return runtime(c.hostConfig().runtime());
    }

    /** Uses another init binary for {@code --init} (a test's missing one, say); tini's static build by default. */
    void useInitBinary(Path binary) {
        initBinary = binary;
    }

    /** The named volumes of this data root; containers' {@code -v name:/path} and image VOLUMEs live here. */
    public Volumes volumes() {
        return volumes;
    }

    /** Mounts never change after create: read once per container, so ps and volume checks stay cheap. */
    private final Map<String, List<MountPoint>> mountCache = new ConcurrentHashMap<>();

    /** The container's mounts: its binds and volumes, as planned when it was created. */
    public List<MountPoint> mounts(Container c) {
        List<MountPoint> cached = mountCache.get(c.id());
        if (cached != null) {
            return cached;
        }
        List<MountPoint> read = ContainerMounts.of(c);
        if (store.byId(c.id()).isPresent()) {
            mountCache.put(c.id(), read);
        }
        return read;
    }

    /** The containers (full IDs), running or not, that mount the named volume. */
    public List<String> volumeUsers(String volumeName) {
        return store.list().stream()
                .filter(c -> mounts(c).stream().anyMatch(m -> m.isVolume() && m.name().equals(volumeName)))
                .map(Container::id).toList();
    }

    /**
     * Runs {@code action} on the container's root filesystem: the mounted overlay of a running
     * container, or, for one that is not running, the overlay mounted for the action's length under
     * the container's lock (so a start cannot race it).
     */
    public <T> T withRootfs(String ref, RootfsAction<T> action) throws IOException {
        return withRootfs(ref, false, action);
    }

    /**
     * As {@link #withRootfs(String, RootfsAction)}; with {@code freeze}, a running container's
     * processes are frozen (the runtime's pause, not recorded, no event) for the action's length, so
     * none can swap a directory for a link between a path's check and its use (docker's cp race,
     * CVE-2018-15664).
     */
    public <T> T withRootfs(String ref, boolean freeze, RootfsAction<T> action) throws IOException {
        String id = store.resolve(ref).id();
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            Container c = current(id);
            if (c.state().running() || Rootfs.isMounted(c.rootfs())) {
                boolean frozen = freeze && c.state().status() == ContainerState.Status.RUNNING;
                OciRuntime runtime = runtime(c.hostConfig().runtime());
                if (frozen) {
                    runtime.pause(id);
                }
                try {
                    return action.apply(c, c.rootfs());
                } finally {
                    if (frozen) {
                        runtime.resume(id);
                    }
                }
            }
            Image image = images.byId(c.imageId()).orElseThrow(() -> new ContainerException.Conflict(
                    "the image of container " + c.shortId() + " (" + c.imageId() + ") is gone"));
            images.unpackLayers(image.layers());
            Rootfs.mount(c, snapshots.lowerDirs(image.chainIds()));
            try {
                return action.apply(c, c.rootfs());
            } finally {
                quietly(() -> Rootfs.unmount(c));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Work on a container's root filesystem; see {@link #withRootfs}. */
    @FunctionalInterface
    public interface RootfsAction<T> {
        T apply(Container c, Path rootfs) throws IOException;
    }

    // ---- create

    /**
     * Records a new container from an image; nothing runs yet.
     *
     * @param name without or with the leading slash; empty generates one
     * @throws dev.skiff.engine.images.ImageNotFoundException for an unknown image ({@code No such image: x})
     */
    public Container create(Optional<String> name, ContainerConfig config, HostConfig hostConfig) {
        return create(name, config, hostConfig, ContainerEndpoints.NONE);
    }

    /**
     * As {@link #create(Optional, ContainerConfig, HostConfig)}, with aliases on its network and further
     * networks to join at every start (docker's {@code NetworkingConfig}).
     *
     * @throws dev.skiff.engine.network.NetworkException {@code network x not found} for an unknown further network
     */
    public Container create(Optional<String> name, ContainerConfig config, HostConfig hostConfig, ContainerEndpoints endpoints) {
        List<ContainerEndpoints.Endpoint> more = new ArrayList<>();
        for (ContainerEndpoints.Endpoint e : endpoints.more()) {
            String network = networking.networkName(e.network());
            if (more.stream().noneMatch(m -> m.network().equals(network))) {
                more.add(new ContainerEndpoints.Endpoint(network, e.aliases()));
            }
        }
        ContainerEndpoints resolved = new ContainerEndpoints(endpoints.aliases(), more);
        if (config.image().isEmpty()) {
            throw new ContainerException.InvalidArgument("no image given: a container needs an image");
        }
        Image image = images.resolve(config.image());
        OciRuntime.named(hostConfig.runtime(), execRoot); // unknown runtime: refuse now, as dockerd does
        ContainerMounts.validate(hostConfig.binds(), hostConfig.mounts(), hostConfig.tmpfs());
        String id = newId();
        ContainerConfig merged = ImageDefaults.merge(config, image.config().config());
        if (merged.hostname().isEmpty()) {
            // dockerd: the host's name with the host's network, else the short ID
            merged = merged.withHostname(hostConfig.networkMode().equals("host") ? hostName() : id.substring(0, 12));
        }
        if (merged.args().isEmpty()) {
            throw new ContainerException.InvalidArgument("No command specified");
        }
        Capabilities.effective(hostConfig.capAdd(), hostConfig.capDrop(), hostConfig.privileged()); // validates names
        Path dir = store.root().resolve(id);
        boolean generated = name.filter(n -> !n.isEmpty()).isEmpty();
        String chosen = generated ? freshName() : Names.normalize(name.get());
        Container planned = new Container(id, chosen, Instant.now(), image.id(), merged, hostConfig, ContainerState.created(),
                0, Optional.empty(), dir);
        Container c = planned;
        try {
            Files.createDirectories(planned.bundle());
            if (!resolved.equals(ContainerEndpoints.NONE)) {
                ContainerEndpoints.save(planned, resolved);
            }
            synchronized (volumes) { // a volume removal checks its users under this lock: none slips in between
                ContainerMounts.save(planned, ContainerMounts.plan(hostConfig, merged.volumes(), volumes));
                for (int attempt = 1; ; attempt++) {
                    try {
                        store.add(c);
                        break;
                    } catch (ContainerException.Conflict clash) {
                        // two creates at once drew the same generated name: draw again, as dockerd does
                        if (!generated || attempt >= 20) {
                            throw clash;
                        }
                        c = c.withName(freshName());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (Files.exists(dir.resolve("mounts.json"))) {
                quietly(() -> removeAnonymousVolumes(ContainerMounts.of(planned)));
            }
            deleteTree(dir);
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new ContainerException.HostFailure("cannot create " + dir + ": " + e.getMessage(), e);
        }
        events.accept(ContainerEvent.of("create", c, Map.of()));
        return c;
    }

    private static String hostName() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private String freshName() {
        for (int attempt = 0; ; attempt++) {
            String n = Names.generate(attempt);
            if (!store.nameTaken(n)) {
                return n;
            }
        }
    }

    private static String newId() {
        byte[] b = new byte[32];
        new java.security.SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    // ---- start

    /**
     * Starts a container: rootfs mount, network attach, bundle, conmon + runtime create, runtime start.
     * A failed start leaves nothing running or mounted, and records docker's exit code and the error.
     *
     * @return false when it already runs (HTTP 304)
     */
    public boolean start(String ref) {
        String id = store.resolve(ref).id();
        boolean removeAfter = false;
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            Container c = current(id);
            if (c.state().running()) {
                return false;
            }
            manuallyStopped.remove(id);
            try {
                startLocked(c);
            } catch (ContainerException.StartFailed e) {
                removeAfter = c.hostConfig().autoRemove(); // as dockerd: a --rm container that cannot start goes
                throw e;
            }
            return true;
        } finally {
            lock.unlock();
            if (removeAfter) {
                quietly(() -> autoRemove(id));
            }
        }
    }

    private void startLocked(Container c) {
        StepTimes times = StepTimes.begin("start", c.id());
        OciRuntime runtime = runtime(c.hostConfig().runtime());
        runtime.deleteIfKnown(c.id()); // a previous run's record
        deleteQuietly(conmon.exitFile(c.id()));
        times.step("runc-delete");
        boolean mounted = false;
        PendingAttachment attaching = null;
        boolean created = false;
        try {
            Image image = images.byId(c.imageId()).orElseThrow(() -> new ContainerException.Conflict(
                    "the image of container " + c.shortId() + " (" + c.imageId() + ") is gone; remove the container and create it again"));
            // The CNI plugins run while the rootfs is mounted and the runtime creates the container
            // in the (already existing) namespace; only its process's start waits for them.
            ContainerEndpoints endpoints = ContainerEndpoints.of(c);
            attaching = networking.attachInBackground(new AttachRequest(c.id(), c.hostConfig().networkMode(),
                    c.config().hostname(), dnsNames(c, endpoints.aliases()), ports(c)));
            times.step("attach-begin");
            images.unpackLayers(image.layers());
            List<Path> lowers = snapshots.lowerDirs(image.chainIds());
            times.step("layers");
            Rootfs.mount(c, lowers);
            mounted = true;
            times.step("mount");
            boolean hostNetwork = c.hostConfig().networkMode().equals("host");
            boolean filesFinal = attaching.attachment().isDone();
            if (filesFinal) {
                HostFiles.write(c, attaching.await(), hostNetwork);
            } else {
                HostFiles.writeProvisional(c);
            }
            ProcessUser user = ProcessUser.resolve(c.config().user(), c.rootfs());
            List<MountPoint> mounts = ContainerMounts.of(c);
            for (MountPoint m : mounts) {
                if (m.isTmpfs() || Files.exists(m.source())) {
                    continue;
                }
                // dockerd makes a missing -v host path; a --mount bind's source only with bind-create-src
                if (m.type().equals("bind") && ContainerMounts.specOf(c.hostConfig(), m)
                        .map(s -> s.bindOptions() == null || !s.bindOptions().createMountpoint()).orElse(false)) {
                    throw new ContainerException.StartFailed("invalid mount config for type \"bind\": bind source path does not exist: "
                            + m.source(), 128);
                }
                Files.createDirectories(m.source());
            }
            ContainerMounts.checkPropagation(mounts, Files.readAllLines(Path.of("/proc/self/mountinfo")));
            ContainerMounts.fillEmptyVolumes(mounts, c.hostConfig(), c.rootfs());
            if (c.hostConfig().runsInit() && !Files.isExecutable(initBinary)) {
                throw new ContainerException.StartFailed("--init needs the init binary " + initBinary
                        + ", which is missing or not executable: install Debian's tini package (it has /usr/bin/tini-static)", 128);
            }
            // not synced: made again at every start, read only by the runtime's create just below
            Files.write(c.bundle().resolve("config.json"), JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(OciSpec.build(c, attaching.netns(), user, mounts, initBinary, JSON)));
            times.step("files");
            created = true; // from here on conmon may exist
            int pid = conmon.create(c, runtime);
            times.step("create");
            Attachment net = attaching.await();
            for (ContainerEndpoints.Endpoint more : endpoints.more()) {
                networking.connect(c.id(), more.network(), dnsNames(c, more.aliases()));
            }
            times.step("attach-wait");
            if (!filesFinal) {
                HostFiles.write(c, net, hostNetwork);
            }
            runBeforeStart(c);
            runtime.start(c.id());
            times.step("runc-start");
            Container running = c.withNetwork(Optional.of(net)).withState(c.state().started(pid, Instant.now()));
            store.update(running);
            events.accept(ContainerEvent.of("start", running, Map.of()));
            times.step("record");
            times.end();
        } catch (IOException | RuntimeException e) {
            if (created) {
                runtime.delete(c.id());
                awaitConmonGone(c);
                deleteQuietly(conmon.exitFile(c.id()));
            }
            if (attaching != null) {
                PendingAttachment undo = attaching;
                quietly(() -> {
                    undo.awaitEnd(); // nothing may still be adding to what detach removes
                    networking.detach(c.id());
                });
            }
            if (mounted) {
                quietly(() -> Rootfs.unmount(c));
            }
            if (e instanceof ContainerException.StartFailed failed) {
                store.update(c.withState(c.state().failedStart(failed.exitCode(), failed.getMessage())));
                throw failed;
            }
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new ContainerException.HostFailure("cannot start " + c.shortId() + ": " + e.getMessage(), e);
        }
    }

    private final Map<String, List<java.util.function.Consumer<Container>>> beforeStart = new ConcurrentHashMap<>();

    /**
     * Runs {@code hook} at the container's next start, once conmon holds its stdio and before its
     * process runs: how an attach made before the start (docker's run) misses no output.
     *
     * @return cancels the hook if it has not run
     */
    public Runnable beforeNextStart(String ref, java.util.function.Consumer<Container> hook) {
        String id = store.resolve(ref).id();
        beforeStart.computeIfAbsent(id, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(hook);
        return () -> {
            List<java.util.function.Consumer<Container>> hooks = beforeStart.get(id);
            if (hooks != null) {
                hooks.remove(hook);
            }
        };
    }

    private void runBeforeStart(Container c) {
        List<java.util.function.Consumer<Container>> hooks = beforeStart.remove(c.id());
        if (hooks != null) {
            for (var hook : hooks) {
                try {
                    hook.accept(c);
                } catch (RuntimeException e) {
                    System.getLogger(ContainerEngine.class.getName()).log(System.Logger.Level.WARNING,
                            "a hook before the start of " + c.shortId() + " failed", e);
                }
            }
        }
    }

    /** Published ports: PortBindings, plus every exposed port on a free host port with PublishAllPorts. */
    static List<PortBinding> ports(Container c) {
        List<PortBinding> out = new ArrayList<>();
        Map<String, List<HostConfig.HostPort>> bindings = new java.util.TreeMap<>(c.hostConfig().portBindings());
        if (c.hostConfig().publishAllPorts() && c.config().exposedPorts() != null) {
            for (String p : c.config().exposedPorts().keySet()) {
                bindings.putIfAbsent(p, List.of(new HostConfig.HostPort("", "")));
            }
        }
        bindings.forEach((port, hosts) -> {
            String[] pp = port.split("/");
            int containerPort;
            try {
                containerPort = Integer.parseInt(pp[0]);
            } catch (NumberFormatException e) {
                throw new ContainerException.InvalidArgument("invalid port specification: \"" + port + "\"");
            }
            String protocol = pp.length > 1 ? pp[1] : "tcp";
            for (HostConfig.HostPort h : hosts == null ? List.<HostConfig.HostPort>of() : hosts) {
                int hostPort;
                try {
                    hostPort = h.hostPort().isEmpty() ? 0 : Integer.parseInt(h.hostPort());
                } catch (NumberFormatException e) {
                    throw new ContainerException.InvalidArgument("invalid port specification: \"" + h.hostPort() + "\"");
                }
                out.add(new PortBinding(protocol, containerPort, h.hostIp(), hostPort));
            }
        });
        return out;
    }

    // ---- stop, kill, restart, pause

    /**
     * Sends the stop signal (StopSignal, default SIGTERM), then SIGKILL after the timeout (the
     * request's, else StopTimeout, else 10 s), and returns once the container has exited.
     *
     * @return false when it was not running (HTTP 304)
     */
    public boolean stop(String ref, OptionalInt timeoutSeconds) {
        Container c = store.resolve(ref);
        CompletableFuture<Integer> exit;
        ReentrantLock lock = lock(c.id());
        lock.lock();
        try {
            c = current(c.id());
            if (!c.state().running()) {
                return false;
            }
            exit = register(exitWaiters, c.id());
            manuallyStopped.add(c.id());
            if (c.state().status() == ContainerState.Status.PAUSED) {
                runtime(c.hostConfig().runtime()).resume(c.id());
                store.update(c = c.withState(c.state().unpaused()));
            }
        } finally {
            lock.unlock();
        }
        String signal = c.config().stopSignal() == null || c.config().stopSignal().isEmpty() ? "SIGTERM" : c.config().stopSignal();
        int timeout = timeoutSeconds.orElse(c.config().stopTimeout() == null ? DEFAULT_STOP_TIMEOUT : c.config().stopTimeout());
        OciRuntime runtime = runtime(c.hostConfig().runtime());
        if (timeout != 0) {
            events.accept(ContainerEvent.of("kill", c, Map.of("signal", Signals.number(signal))));
            runtime.kill(c.id(), Signals.normalize(signal));
        }
        if (!awaitExit(exit, timeout < 0 ? Long.MAX_VALUE : timeout)) {
            events.accept(ContainerEvent.of("kill", c, Map.of("signal", "9")));
            runtime.kill(c.id(), "KILL");
            if (!awaitExit(exit, KILL_WAIT_SECONDS)) {
                throw new ContainerException.HostFailure("container " + c.shortId() + " did not exit "
                        + KILL_WAIT_SECONDS + "s after SIGKILL");
            }
        }
        events.accept(ContainerEvent.of("stop", c, Map.of()));
        return true;
    }

    /** Sends a signal ({@code KILL}, {@code SIGHUP}, {@code 15}); a container that does not run is docker's 409. */
    public void kill(String ref, String signal) {
        Container c = store.resolve(ref);
        if (!c.state().running()) {
            throw new ContainerException.Conflict("Container " + c.id() + " is not running");
        }
        String sig = signal == null || signal.isEmpty() ? "KILL" : signal;
        String normalized = Signals.normalize(sig);
        manuallyStopped.add(c.id());
        events.accept(ContainerEvent.of("kill", c, Map.of("signal", Signals.number(sig))));
        if (!runtime(c.hostConfig().runtime()).kill(c.id(), normalized)) {
            throw new ContainerException.Conflict("Container " + c.id() + " is not running");
        }
    }

    public void restart(String ref, OptionalInt timeoutSeconds) {
        Container c = store.resolve(ref);
        stop(c.id(), timeoutSeconds);
        start(c.id());
        events.accept(ContainerEvent.of("restart", current(c.id()), Map.of()));
    }

    public void pause(String ref) {
        changeFrozen(ref, true);
    }

    public void unpause(String ref) {
        changeFrozen(ref, false);
    }

    private void changeFrozen(String ref, boolean pause) {
        String id = store.resolve(ref).id();
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            Container c = current(id);
            if (pause && c.state().status() != ContainerState.Status.RUNNING) {
                throw new ContainerException.Conflict(c.state().status() == ContainerState.Status.PAUSED
                        ? "Container " + id + " is already paused" : "Container " + id + " is not running");
            }
            if (!pause && c.state().status() != ContainerState.Status.PAUSED) {
                throw new ContainerException.Conflict("Container " + id + " is not paused");
            }
            OciRuntime runtime = runtime(c.hostConfig().runtime());
            if (pause) {
                runtime.pause(id);
                store.update(c = c.withState(c.state().paused()));
            } else {
                runtime.resume(id);
                store.update(c = c.withState(c.state().unpaused()));
            }
            events.accept(ContainerEvent.of(pause ? "pause" : "unpause", c, Map.of()));
        } finally {
            lock.unlock();
        }
    }

    /** The networks a running container is on, its first one first; none when it does not run. */
    public List<Attachment> attachments(Container c) {
        return c.state().running() ? networking.attachments(c.id()) : List.of();
    }

    /** What other containers of a user network resolve it by: its name, then its aliases there (and its hostname). */
    private static List<String> dnsNames(Container c, List<String> aliases) {
        List<String> names = new ArrayList<>();
        names.add(c.name().substring(1));
        aliases.stream().filter(a -> !names.contains(a)).forEach(names::add);
        return names;
    }

    /** The aliases and further networks the container asks for; see {@link ContainerEndpoints}. */
    public ContainerEndpoints endpoints(Container c) {
        return ContainerEndpoints.of(c);
    }

    /**
     * {@code docker network connect}: a running container joins the network at once; one that does not
     * run joins it at its next start. Either way it rejoins at every start after.
     *
     * @throws dev.skiff.engine.network.NetworkException for an unknown network, or one it is on already
     */
    public void connect(String ref, String networkRef, List<String> aliases) {
        String id = store.resolve(ref).id();
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            Container c = current(id);
            String network = networking.networkName(networkRef);
            ContainerEndpoints endpoints = ContainerEndpoints.of(c);
            String mode = c.hostConfig().networkMode();
            if (endpoints.joins(network) || mode.equals(network) || (mode.equals("default") && network.equals("bridge"))) {
                throw new dev.skiff.engine.network.NetworkException("endpoint with name " + c.name().substring(1)
                        + " already exists in network " + network);
            }
            if (mode.equals("host") || mode.equals("none") || mode.startsWith("container:")) {
                throw new dev.skiff.engine.network.NetworkException("container cannot be connected to multiple networks"
                        + " with one of the networks in private (none) or host mode");
            }
            if (c.state().running()) {
                networking.connect(id, network, dnsNames(c, aliases));
            }
            ContainerEndpoints.save(c, endpoints.with(new ContainerEndpoints.Endpoint(network, aliases)));
        } finally {
            lock.unlock();
        }
    }

    /** {@code docker network disconnect} of a network joined with {@link #connect} or at create. */
    public void disconnect(String ref, String networkRef) {
        String id = store.resolve(ref).id();
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            Container c = current(id);
            String network = networking.networkName(networkRef);
            ContainerEndpoints endpoints = ContainerEndpoints.of(c);
            if (!endpoints.joins(network)) {
                // the first network, or none it is on: the networking's own words
                networking.disconnect(id, network);
                return;
            }
            if (c.state().running()) {
                networking.disconnect(id, network);
            }
            ContainerEndpoints.save(c, endpoints.without(network));
        } finally {
            lock.unlock();
        }
    }

    public void rename(String ref, String newName) {
        String name = Names.normalize(newName);
        String id = store.resolve(ref).id();
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            Container c = current(id);
            if (c.name().equals(name)) {
                throw new ContainerException.Conflict("Renaming a container with the same name as its current name");
            }
            store.update(c.withName(name));
            if (c.state().running()) {
                networking.renamed(id, c.name().substring(1), name.substring(1));
            }
            events.accept(ContainerEvent.of("rename", c.withName(name), Map.of("oldName", c.name())));
        } finally {
            lock.unlock();
        }
    }

    // ---- remove

    /**
     * Removes a container with its files; {@code force} kills a running one first, else a running
     * container is refused in docker's words.
     */
    public void remove(String ref, boolean force) {
        remove(ref, force, false);
    }

    /**
     * As {@link #remove(String, boolean)}; with {@code removeVolumes} ({@code rm -v}) the container's
     * anonymous volumes go too, once no other container uses them.
     */
    public void remove(String ref, boolean force, boolean removeVolumes) {
        Container c = store.resolve(ref);
        List<MountPoint> mounts = removeVolumes ? ContainerMounts.of(c) : List.of();
        removeContainer(c, force);
        removeAnonymousVolumes(mounts);
    }

    /** {@code --rm}: as dockerd's auto-removal, the container goes with its anonymous volumes. */
    private void autoRemove(String id) {
        List<MountPoint> mounts = store.byId(id).map(ContainerMounts::of).orElse(List.of());
        removeStopped(id);
        removeAnonymousVolumes(mounts);
    }

    private void removeAnonymousVolumes(List<MountPoint> mounts) {
        for (MountPoint m : mounts) {
            if (m.isVolume() && volumes.find(m.name()).map(dev.skiff.engine.volumes.Volume::anonymous).orElse(false)) {
                quietly(() -> volumes.remove(m.name(), () -> volumeUsers(m.name()), true));
            }
        }
    }

    private void removeContainer(Container c, boolean force) {
        if (c.state().running()) {
            if (!force) {
                throw new ContainerException.Conflict("You cannot remove a running container " + c.id()
                        + ". Stop the container before attempting removal or force remove");
            }
            CompletableFuture<Integer> exit;
            ReentrantLock lock = lock(c.id());
            lock.lock();
            try {
                exit = register(exitWaiters, c.id());
            } finally {
                lock.unlock();
            }
            if (current(c.id()).state().running()) {
                // quiet: the process may be dying already (a kill just before this rm -f), and then
                // runc says it does not run; the exit below is what counts
                quietly(() -> runtime(c.hostConfig().runtime()).kill(c.id(), "KILL"));
                if (current(c.id()).state().status() == ContainerState.Status.PAUSED) {
                    quietly(() -> runtime(current(c.id()).hostConfig().runtime()).resume(c.id()));
                }
                if (!awaitExit(exit, KILL_WAIT_SECONDS)) {
                    throw new ContainerException.HostFailure("container " + c.shortId() + " did not exit after SIGKILL; try again");
                }
            }
        }
        removeStopped(c.id());
    }

    private void removeStopped(String id) {
        ReentrantLock lock = lock(id);
        lock.lock();
        Container c;
        try {
            Optional<Container> found = store.byId(id);
            if (found.isEmpty()) {
                return; // removed meanwhile (--rm racing with rm)
            }
            c = found.get();
            if (c.state().running()) {
                throw new ContainerException.Conflict("You cannot remove a running container " + c.id()
                        + ". Stop the container before attempting removal or force remove");
            }
            StepTimes times = StepTimes.begin("remove", id);
            runtime(c.hostConfig().runtime()).deleteIfKnown(id);
            times.step("runc-delete");
            Rootfs.unmount(c);
            times.step("unmount");
            if (c.network().isPresent()) {
                networking.detachInBackground(id);
            }
            times.step("detach");
            deleteQuietly(conmon.exitFile(id));
            if (Rootfs.anythingMountedUnder(c.dir())) {
                throw new ContainerException.HostFailure("something is still mounted under " + c.dir()
                        + "; unmount it, then remove the container again");
            }
            store.remove(c);
            times.step("record");
            discard(c.dir());
            times.step("delete-dir");
            times.end();
        } finally {
            lock.unlock();
        }
        mountCache.remove(id);
        events.accept(ContainerEvent.of("destroy", c, Map.of()));
        complete(exitWaiters, id, c.state().exitCode());
        complete(removalWaiters, id, c.state().exitCode());
        locks.remove(id);
    }

    // ---- wait

    /** Completes with the exit code when {@code condition} is met. */
    public CompletableFuture<Integer> wait(String ref, WaitCondition condition) {
        String id = store.resolve(ref).id();
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            Container c = current(id);
            return switch (condition) {
                case NOT_RUNNING -> c.state().running() ? register(exitWaiters, id) : CompletableFuture.completedFuture(c.state().exitCode());
                case NEXT_EXIT -> register(exitWaiters, id);
                case REMOVED -> register(removalWaiters, id);
            };
        } finally {
            lock.unlock();
        }
    }

    // ---- logs

    /**
     * Writes the container's log to {@code sink} as {@link LogOptions} asks; with follow, returns when
     * the container has stopped and its last words are out, or when {@code keepGoing} turns false.
     */
    public void logs(String ref, LogOptions options, BooleanSupplier keepGoing, LogSink sink)
            throws IOException, InterruptedException {
        Container c = store.resolve(ref);
        LogReader.read(c.logPath(), options, () -> store.byId(c.id()).map(x -> x.state().running()).orElse(false), keepGoing, sink);
    }

    // ---- exits

    private void watchExits() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        store.list().stream().filter(c -> c.state().running()).forEach(c -> Thread.ofVirtual().start(() -> onExitFile(c.id())));
                        continue;
                    }
                    String id = event.context().toString();
                    if (id.length() == 64 && store.byId(id).isPresent()) {
                        Thread.ofVirtual().start(() -> onExitFile(id));
                    }
                }
                key.reset();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    /** conmon recorded an exit: the container stopped. */
    private void onExitFile(String id) {
        Path file = conmon.exitFile(id);
        boolean autoRemove = false;
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            Optional<Container> found = store.byId(id);
            if (!Files.exists(file)) {
                return;
            }
            if (found.isEmpty() || !found.get().state().running()) {
                deleteQuietly(file); // a failed start's monitor, whose start already cleaned up
                return;
            }
            int code;
            try {
                code = Integer.parseInt(Files.readString(file).trim());
            } catch (IOException | NumberFormatException e) {
                return; // half-written; the next event reads it whole
            }
            finishExit(found.get(), code);
            autoRemove = found.get().hostConfig().autoRemove();
            if (!autoRemove && RestartPolicies.shouldRestart(found.get(), code, manuallyStopped.contains(id))) {
                int count = found.get().restartCount();
                Thread.ofVirtual().start(() -> restartByPolicy(id, count));
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "handling the exit of container " + id + " failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
        if (autoRemove) {
            try {
                autoRemove(id);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "removing container " + id + " (--rm) failed: " + e.getMessage(), e);
            }
        }
    }

    /** The restart policy's restart, after docker's back-off (100 ms, doubling, at most a minute). */
    private void restartByPolicy(String id, int restartsSoFar) {
        try {
            Thread.sleep(RestartPolicies.delay(restartsSoFar).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        ReentrantLock lock = lock(id);
        lock.lock();
        try {
            Optional<Container> found = store.byId(id);
            if (found.isEmpty() || found.get().state().running() || manuallyStopped.contains(id)) {
                return; // removed, started or stopped by someone meanwhile
            }
            startLocked(found.get().withRestartCount(restartsSoFar + 1));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "restarting container " + id + " by its policy failed: " + e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    /** Called with the container's lock held. */
    private void finishExit(Container c, int code) {
        StepTimes times = StepTimes.begin("exit", c.id());
        quietly(() -> runtime(c.hostConfig().runtime()).delete(c.id()));
        times.step("runc-delete");
        quietly(() -> Rootfs.unmount(c));
        times.step("unmount");
        if (c.network().isPresent()) {
            quietly(() -> networking.detachInBackground(c.id()));
        }
        times.step("detach");
        Container exited = c.withNetwork(Optional.empty()).withState(c.state().exited(code, Instant.now()));
        store.update(exited);
        times.step("record");
        times.end();
        deleteQuietly(conmon.exitFile(c.id()));
        events.accept(ContainerEvent.of("die", exited, Map.of("exitCode", Integer.toString(code))));
        complete(exitWaiters, c.id(), code);
    }

    /** Live restore: what the records say runs is checked against runc and conmon. */
    private void restore() {
        for (Container c : store.list()) {
            ReentrantLock lock = lock(c.id());
            lock.lock();
            try {
                Container now = current(c.id());
                if (!now.state().running()) {
                    OciRuntime runtime = runtime(now.hostConfig().runtime());
                    if (runtime.state(now.id()).isPresent()) {
                        // the daemon died in the middle of a start: undo what it did
                        runtime.delete(now.id());
                        awaitConmonGone(now);
                        deleteQuietly(conmon.exitFile(now.id()));
                        quietly(() -> networking.detach(now.id()));
                    }
                    if (Rootfs.isMounted(now.rootfs())) {
                        quietly(() -> Rootfs.unmount(now));
                    }
                    continue;
                }
                Path exitFile = conmon.exitFile(now.id());
                if (Files.exists(exitFile)) {
                    continue; // the watcher's event for it, or the scan below, finishes it
                }
                Optional<OciRuntime.State> state = runtime(now.hostConfig().runtime()).state(now.id());
                if (state.isPresent() && (state.get().status().equals("running") || state.get().status().equals("paused"))) {
                    ContainerState s = now.state();
                    boolean paused = state.get().status().equals("paused");
                    ContainerState actual = new ContainerState(paused ? ContainerState.Status.PAUSED : ContainerState.Status.RUNNING,
                            state.get().pid(), s.exitCode(), s.startedAt(), s.finishedAt(), s.error());
                    if (!actual.equals(s)) {
                        store.update(now.withState(actual));
                    }
                    continue;
                }
                if (conmonAlive(now)) {
                    continue; // it is about to write the exit file
                }
                // nobody knows how it ended (the host rebooted, or runc and conmon were killed): docker's
                // "unknown" code; and as dockerd does at start, its restart policy brings it back
                finishExit(now, 255);
                if (!now.hostConfig().autoRemove() && RestartPolicies.shouldRestart(now, 255, false)) {
                    int count = now.restartCount();
                    String id = now.id();
                    Thread.ofVirtual().start(() -> restartByPolicy(id, count));
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "restoring container " + c.id() + " failed: " + e.getMessage(), e);
            } finally {
                lock.unlock();
            }
        }
        // exits recorded while the daemon was down
        try (var files = Files.list(conmon.exitDir())) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.length() == 64).forEach(this::onExitFile);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read " + conmon.exitDir() + ": " + e.getMessage());
        }
        // directories of creates that crashed before their record was written, of removals that
        // crashed before their directory was deleted
        try (var dirs = Files.list(store.root())) {
            dirs.filter(d -> (d.getFileName().toString().length() == 64 && !Files.exists(d.resolve(ContainerStore.METADATA)))
                            || d.getFileName().toString().startsWith(REMOVED_PREFIX))
                    .forEach(d -> {
                        if (!Rootfs.anythingMountedUnder(d)) {
                            deleteTree(d);
                        }
                    });
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read " + store.root() + ": " + e.getMessage());
        }
    }

    /**
     * Moves a removed container's directory aside with one rename and deletes it on a virtual thread,
     * so a big upper dir does not hold up {@code rm} or {@code --rm}; {@link #restore} deletes what a
     * crash left aside, {@link #close} waits for the deletions under way.
     */
    private void discard(Path dir) {
        Path aside = dir.resolveSibling(REMOVED_PREFIX + dir.getFileName());
        try {
            Files.move(dir, aside, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteTree(dir);
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        discards.add(done);
        Thread.ofVirtual().name("skiff-discard").start(() -> {
            try {
                deleteTree(aside);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, e.getMessage() + " (the next daemon start tries again)");
            } finally {
                discards.remove(done);
                done.complete(null);
            }
        });
    }

    /** Whether this container's conmon still runs; a zombie waiting for init to reap it does not. */
    private static boolean conmonAlive(Container c) {
        try {
            int pid = Integer.parseInt(Files.readString(Conmon.pidFile(c)).trim());
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            int end = stat.lastIndexOf(')');
            String comm = stat.substring(stat.indexOf('(') + 1, end);
            char state = stat.charAt(end + 2);
            return comm.equals("conmon") && state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private void awaitConmonGone(Container c) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (conmonAlive(c) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---- helpers

    private Container current(String id) {
        return store.byId(id).orElseThrow(() -> new ContainerException.NotFound(id));
    }

    private ReentrantLock lock(String id) {
        return locks.computeIfAbsent(id, k -> new ReentrantLock());
    }

    private OciRuntime runtime(String name) {
        return runtimes.computeIfAbsent(name, n -> OciRuntime.named(n, execRoot));
    }

    private CompletableFuture<Integer> register(Map<String, List<CompletableFuture<Integer>>> waiters, String id) {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        synchronized (waiters) {
            waiters.computeIfAbsent(id, k -> new ArrayList<>()).add(f);
        }
        return f;
    }

    private static void complete(Map<String, List<CompletableFuture<Integer>>> waiters, String id, int code) {
        List<CompletableFuture<Integer>> done;
        synchronized (waiters) {
            done = waiters.remove(id);
        }
        if (done != null) {
            done.forEach(f -> f.complete(code));
        }
    }

    private static boolean awaitExit(CompletableFuture<Integer> exit, long seconds) {
        try {
            exit.get(seconds, TimeUnit.SECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerException.HostFailure("interrupted while waiting for a container to exit", e);
        } catch (ExecutionException e) {
            return true;
        }
    }

    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cleanup step failed: " + e.getMessage());
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete " + p + ": " + e.getMessage());
        }
    }

    /** Deletes a directory tree without following links (a container's upper dir may hold any). */
    private static void deleteTree(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new ContainerException.HostFailure("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stops watching and finishes deleting removed containers' directories; containers keep running
     * (they belong to conmon, not to this process).
     */
    @Override
    public void close() {
        health.close();
        for (CompletableFuture<Void> f : List.copyOf(discards)) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException | TimeoutException e) {
                LOG.log(System.Logger.Level.WARNING, "a removed container's directory is not deleted yet: " + e);
            }
        }
        try {
            watcher.close();
        } catch (IOException e) {
            // nothing left to release
        }
        watcherThread.interrupt();
    }
}
