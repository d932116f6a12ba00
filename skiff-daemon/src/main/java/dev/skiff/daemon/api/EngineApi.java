package dev.skiff.daemon.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.daemon.Daemon;
import dev.skiff.daemon.events.EventBus;
import dev.skiff.daemon.events.ImageEvents;
import dev.skiff.engine.build.BuildCache;
import dev.skiff.engine.build.ImageBuilder;
import dev.skiff.engine.images.ImageParents;
import dev.skiff.engine.containers.ContainerCommitter;
import dev.skiff.engine.containers.ContainerEngine;
import dev.skiff.engine.containers.ContainerFiles;
import dev.skiff.engine.containers.ContainerState;
import dev.skiff.engine.content.ContentStore;
import dev.skiff.engine.distribution.DistributionMetadata;
import dev.skiff.engine.distribution.RegistryHosts;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.http.Exchange;
import dev.skiff.http.ExchangeHandler;
import io.netty.handler.codec.http.HttpMethod;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;

/**
 * The Docker Engine API, as the real docker CLI and docker-java call it: routes a request (with or
 * without its {@code /v1.NN} prefix) and answers errors with docker's {@code {"message": ...}} body.
 */
public final class EngineApi implements ExchangeHandler {
    static final String NAME = "skiff";
    static final String VERSION = Optional.ofNullable(EngineApi.class.getPackage().getImplementationVersion()).orElse("0.1.0-dev");
    /** The Docker Engine release whose API (1.41) skiff implements. */
    static final String DOCKER_COMPATIBLE = "20.10.24";
    static final ObjectMapper JSON = new ObjectMapper();
    static final String JSON_TYPE = "application/json";

    /** Headers dockerd puts on every response; the CLI reads {@code Api-Version} to negotiate. */
    public static final Map<String, String> DEFAULT_HEADERS = Map.of(
            "Api-Version", ApiVersion.CURRENT.toString(),
            "Docker-Experimental", "false",
            "Ostype", "linux",
            "Server", "Skiff/" + VERSION + " (linux)");

    private final Daemon.EngineInfo engine;
    private final HostFacts host = HostFacts.read();
    private final ImageStore images;
    private final ImagesApi imagesApi;
    private final ArchiveApi archiveApi;
    private final EventBus events;
    private final AuthApi authApi = new AuthApi();
    private final EventsApi eventsApi;
    private final ImageUsageApi usageApi;
    private final RegistryHosts registries;
    private final ContainerEngine containers;
    private final ContainersApi containersApi;
    private final NetworksApi networksApi;
    private final ExecApi execApi;
    private final VolumesApi volumesApi;
    private final ContainerFilesApi containerFilesApi;
    private final BuildApi buildApi;

    /** @param registries which registries pull and push reach over plain HTTP ({@code --insecure-registry}) */
    public EngineApi(Daemon.EngineInfo engine, ImageStore images, ContentStore content, RegistryHosts registries,
                     EventBus events, ImageEvents imageEvents, ContainerEngine containers) {
        this.engine = engine;
        this.images = images;
        ImageParents parents = ImageParents.open(engine.dataRoot());
        this.imagesApi = new ImagesApi(images, content, DistributionMetadata.open(engine.dataRoot()), registries, parents);
        this.imagesApi.onPulled(imageEvents::pulled);
        this.imagesApi.onPushed(imageEvents::pushed);
        this.archiveApi = new ArchiveApi(images, content, imageEvents);
        this.events = events;
        this.eventsApi = new EventsApi(events);
        this.usageApi = new ImageUsageApi(images, parents);
        this.registries = registries;
        this.containers = containers;
        this.containersApi = new ContainersApi(containers, images);
        this.networksApi = new NetworksApi(containers);
        this.imagesApi.containersOf(id -> containers.list().stream().filter(c -> c.imageId().equals(id)).toList());
        this.execApi = new ExecApi(containers);
        this.volumesApi = new VolumesApi(containers);
        this.containerFilesApi = new ContainerFilesApi(containers, content, images);
        ContainerFiles files = new ContainerFiles(containers);
        ImageBuilder builder = new ImageBuilder(containers, new ContainerCommitter(containers, files, content, images),
                files, content, images, new BuildReferences(), BuildCache.open(engine.dataRoot()), parents);
        builder.pullWith(imagesApi.builderPuller()); // a FROM of an image that is not here pulls it, as dockerd's builder does
        this.buildApi = new BuildApi(builder, engine.dataRoot());
    }

    /** Docker's reference grammar, for the builder's tags. */
    private static final class BuildReferences implements dev.skiff.engine.images.ReferenceSyntax {
        @Override
        public String normalize(String text) {
            return dev.skiff.formats.ImageReference.parse(text).withDefaultTag().toString();
        }

        @Override
        public String familiar(String fullReference) {
            return dev.skiff.formats.ImageReference.parse(fullReference).familiarString();
        }
    }

    @Override
    public void handle(Exchange ex) throws InterruptedException {
        try {
            route(ex);
        } catch (ApiException e) {
            if (e.status() >= 500) {
                System.err.println("skiff daemon: " + ex.method() + " " + ex.path() + ": " + e.status() + " " + e.getMessage());
            }
            sendError(ex, e.status(), e.getMessage());
        } catch (Exchange.ConnectionLost e) {
            throw e;
        } catch (RuntimeException e) {
            System.err.println("skiff daemon: " + ex.method() + " " + ex.path() + " failed: " + e);
            sendError(ex, 500, "the daemon could not complete the request: " + e.getMessage() + "; see the daemon's log");
        }
    }

    private void route(Exchange ex) throws InterruptedException {
        String path = ApiVersion.split(ex.path()).path();
        HttpMethod m = ex.method();
        switch (path) {
            case "/_ping" -> {
                allow(m, HttpMethod.GET, HttpMethod.HEAD);
                // Builder-Version 1: the docker CLI then builds with the classic builder, the one served here,
                // even where the buildx plugin is installed
                ex.send(200, Map.of("Cache-Control", "no-cache, no-store, must-revalidate", "Pragma", "no-cache",
                                "Builder-Version", "1"),
                        "OK".getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
            }
            case "/version" -> {
                allow(m, HttpMethod.GET);
                sendJson(ex, 200, version());
            }
            case "/info" -> {
                allow(m, HttpMethod.GET);
                sendJson(ex, 200, info());
            }
            case "/auth" -> {
                allow(m, HttpMethod.POST);
                authApi.login(ex);
            }
            case "/events" -> {
                allow(m, HttpMethod.GET);
                eventsApi.stream(ex);
            }
            default -> {
                if (!buildApi.route(ex, path) && !execApi.route(ex, path) && !volumesApi.route(ex, path) && !containerFilesApi.route(ex, path)
                        && !containersApi.route(ex, path) && !networksApi.route(ex, path)
                        && !archiveApi.route(ex, path) && !usageApi.route(ex, path) && !imagesApi.route(ex, path)) {
                    throw ApiException.notFound("page not found");
                }
            }
        }
    }

    /** Serves {@code /networks} from CNI networking (without it, only the predefined networks are listed). */
    public void serveNetworks(dev.skiff.engine.network.CniNetworking networking) {
        networksApi.use(networking);
    }

    private ObjectNode version() {
        ObjectNode v = JSON.createObjectNode();
        v.putObject("Platform").put("Name", "Skiff Engine");
        ArrayNode components = v.putArray("Components");
        ObjectNode engineComponent = components.addObject();
        engineComponent.put("Name", "Engine");
        engineComponent.put("Version", VERSION);
        ObjectNode details = engineComponent.putObject("Details");
        details.put("ApiVersion", ApiVersion.CURRENT.toString());
        details.put("Arch", host.architecture());
        details.put("BuildTime", "");
        details.put("Experimental", "false");
        details.put("GitCommit", "");
        details.put("GoVersion", "java" + Runtime.version().feature());
        details.put("KernelVersion", host.kernelVersion());
        details.put("MinAPIVersion", ApiVersion.MINIMUM.toString());
        details.put("Os", "linux");
        // Clients compare this with Docker's release numbers (Testcontainers wants at least 1.6.0): it
        // names the Docker release whose API skiff speaks, then skiff's own version.
        v.put("Version", DOCKER_COMPATIBLE + "+skiff." + VERSION);
        v.put("ApiVersion", ApiVersion.CURRENT.toString());
        v.put("MinAPIVersion", ApiVersion.MINIMUM.toString());
        v.put("GitCommit", "");
        v.put("GoVersion", "java" + Runtime.version().feature());
        v.put("Os", "linux");
        v.put("Arch", host.architecture());
        v.put("KernelVersion", host.kernelVersion());
        v.put("BuildTime", "");
        return v;
    }

    private ObjectNode info() {
        ObjectNode i = JSON.createObjectNode();
        i.put("ID", engine.dataRoot().toString());
        var all = containers.list();
        long running = all.stream().filter(c -> c.state().status() == ContainerState.Status.RUNNING).count();
        long paused = all.stream().filter(c -> c.state().status() == ContainerState.Status.PAUSED).count();
        i.put("Containers", all.size());
        i.put("ContainersRunning", running);
        i.put("ContainersPaused", paused);
        i.put("ContainersStopped", all.size() - running - paused);
        i.put("Images", images.list().size());
        i.put("Driver", "overlayfs");
        i.putArray("DriverStatus");
        ObjectNode plugins = i.putObject("Plugins");
        plugins.putArray("Volume").add("local");
        plugins.putArray("Network").add("bridge").add("host").add("none");
        plugins.putNull("Authorization");
        plugins.putArray("Log").add("json-file");
        i.put("MemoryLimit", true);
        i.put("SwapLimit", false);
        i.put("CpuCfsPeriod", true);
        i.put("CpuCfsQuota", true);
        i.put("CPUShares", true);
        i.put("CPUSet", true);
        i.put("PidsLimit", true);
        i.put("IPv4Forwarding", true);
        i.put("Debug", false);
        i.put("NFd", 0);
        i.put("OomKillDisable", false);
        i.put("NGoroutines", Thread.activeCount());
        i.put("SystemTime", DateTimeFormatter.ISO_INSTANT.format(Instant.now()));
        i.put("LoggingDriver", "json-file");
        i.put("CgroupDriver", "cgroupfs");
        i.put("CgroupVersion", java.nio.file.Files.exists(java.nio.file.Path.of("/sys/fs/cgroup/cgroup.controllers")) ? "2" : "1");
        i.put("NEventsListener", events.listeners());
        i.put("KernelVersion", host.kernelVersion());
        i.put("OperatingSystem", host.operatingSystem());
        i.put("OSVersion", host.osVersion());
        i.put("OSType", "linux");
        i.put("Architecture", host.unameMachine());
        i.put("IndexServerAddress", "https://index.docker.io/v1/");
        i.set("RegistryConfig", registryConfig());
        i.put("NCPU", host.cpus());
        i.put("MemTotal", host.memoryBytes());
        i.put("DockerRootDir", engine.dataRoot().toString());
        i.put("HttpProxy", "");
        i.put("HttpsProxy", "");
        i.put("NoProxy", "");
        i.put("Name", host.hostname());
        i.putArray("Labels");
        i.put("ExperimentalBuild", false);
        i.put("ServerVersion", VERSION);
        ObjectNode runtimes = i.putObject("Runtimes");
        runtimes.putObject("crun").put("path", "crun");
        runtimes.putObject("runc").put("path", "runc");
        i.put("DefaultRuntime", "runc");
        ObjectNode swarm = i.putObject("Swarm");
        swarm.put("NodeID", "");
        swarm.put("NodeAddr", "");
        swarm.put("LocalNodeState", "inactive");
        swarm.put("ControlAvailable", false);
        swarm.put("Error", "");
        swarm.putNull("RemoteManagers");
        i.put("LiveRestoreEnabled", true);
        i.put("Isolation", "");
        i.put("InitBinary", "");
        i.putArray("SecurityOptions").add("name=seccomp,profile=default");
        i.putArray("Warnings");
        return i;
    }

    /**
     * dockerd's registry.ServiceConfig: loopback is insecure by default (as dockerd's 127.0.0.0/8 and
     * ::1/128), each {@code --insecure-registry} is an index with Secure false, and docker.io the
     * official, secure one.
     */
    private ObjectNode registryConfig() {
        ObjectNode registry = JSON.createObjectNode();
        registry.putArray("InsecureRegistryCIDRs").add("::1/128").add("127.0.0.0/8");
        ObjectNode indexes = registry.putObject("IndexConfigs");
        java.util.TreeMap<String, Boolean> secure = new java.util.TreeMap<>(); // sorted, as Go writes a map
        registries.insecure().forEach(host -> secure.put(host, false));
        secure.put("docker.io", true);
        secure.forEach((host, isSecure) -> {
            ObjectNode index = indexes.putObject(host);
            index.put("Name", host);
            index.putArray("Mirrors");
            index.put("Secure", isSecure);
            index.put("Official", host.equals("docker.io"));
        });
        registry.putArray("Mirrors");
        return registry;
    }

    static void allow(HttpMethod actual, HttpMethod... methods) {
        for (HttpMethod m : methods) {
            if (m.equals(actual)) {
                return;
            }
        }
        throw new ApiException(405, "method " + actual + " is not allowed here");
    }

    static void sendJson(Exchange ex, int status, Object body) {
        try {
            byte[] bytes = JSON.writeValueAsBytes(body);
            byte[] line = java.util.Arrays.copyOf(bytes, bytes.length + 1);
            line[bytes.length] = '\n';
            ex.send(status, Map.of(), line, JSON_TYPE);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static void sendError(Exchange ex, int status, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.put("message", message);
        sendJson(ex, status, body);
    }
}
