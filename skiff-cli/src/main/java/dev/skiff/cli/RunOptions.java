package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The flags {@code run} and {@code create} share, and the create body they make: the same
 * Config + HostConfig + NetworkingConfig JSON, field for field and in the same order, as docker CLI 28
 * sends (see docker-traces/engine-run-detached.md), so a daemon sees no difference between the two.
 *
 * <p>{@code --health-on-failure} (Podman's, docker has none) travels as the label
 * {@value #HEALTH_ON_FAILURE_LABEL}: a label survives in the container's config with no new API field,
 * and dockerd ignores it.
 */
final class RunOptions {
    static final String HEALTH_ON_FAILURE_LABEL = "dev.skiff.health-on-failure";

    @Option(names = "--help", usageHelp = true, description = "Print usage.")
    boolean help;

    @Option(names = {"-a", "--attach"}, description = "Attach to STDIN, STDOUT or STDERR.")
    List<String> attach = new ArrayList<>();

    @Option(names = {"-i", "--interactive"}, description = "Keep STDIN open even if not attached.")
    boolean interactive;

    @Option(names = {"-t", "--tty"}, description = "Allocate a pseudo-TTY.")
    boolean tty;

    @Option(names = "--name", description = "Assign a name to the container.")
    String name;

    @Option(names = {"-p", "--publish"}, description = "Publish a container's port(s) to the host: [ip:][hostPort:]containerPort[/proto].")
    List<String> publish = new ArrayList<>();

    @Option(names = {"-P", "--publish-all"}, description = "Publish all exposed ports to random ports.")
    boolean publishAll;

    @Option(names = "--expose", description = "Expose a port or a range of ports.")
    List<String> expose = new ArrayList<>();

    @Option(names = {"-e", "--env"}, description = "Set environment variables (NAME=value, or NAME to take the host's value).")
    List<String> env = new ArrayList<>();

    @Option(names = "--env-file", description = "Read in a file of environment variables.")
    List<Path> envFiles = new ArrayList<>();

    @Option(names = {"-w", "--workdir"}, description = "Working directory inside the container.")
    String workdir = "";

    @Option(names = {"-u", "--user"}, description = "Username or UID (format: <name|uid>[:<group|gid>]).")
    String user = "";

    @Option(names = "--entrypoint", description = "Overwrite the default ENTRYPOINT of the image.")
    String entrypoint;

    @Option(names = {"-v", "--volume"}, description = "Bind mount a volume: /host:/ctr[:ro], name:/ctr, or /ctr.")
    List<String> volumes = new ArrayList<>();

    @Option(names = "--mount", description = "Attach a filesystem mount: type=bind|volume|tmpfs,source=...,target=...[,readonly].")
    List<String> mounts = new ArrayList<>();

    @Option(names = "--rm", description = "Automatically remove the container and its associated anonymous volumes when it exits.")
    boolean autoRemove;

    @Option(names = "--restart", description = "Restart policy to apply when a container exits: no, always, on-failure[:N], unless-stopped.")
    String restart = "no";

    @Option(names = {"-m", "--memory"}, description = "Memory limit (units b, k, m, g).")
    String memory;

    @Option(names = "--memory-swap", description = "Swap limit equal to memory plus swap: '-1' to enable unlimited swap.")
    String memorySwap;

    @Option(names = "--cpus", description = "Number of CPUs.")
    String cpus;

    @Option(names = {"-c", "--cpu-shares"}, description = "CPU shares (relative weight).")
    long cpuShares;

    @Option(names = "--pids-limit", description = "Tune container pids limit (set -1 for unlimited).")
    long pidsLimit;

    @Option(names = {"--network", "--net"}, description = "Connect a container to a network.")
    String network = "default";

    @Option(names = {"--network-alias", "--net-alias"}, description = "Add network-scoped alias for the container.")
    List<String> networkAliases = new ArrayList<>();

    @Option(names = {"-h", "--hostname"}, description = "Container host name.")
    String hostname = "";

    @Option(names = "--read-only", description = "Mount the container's root filesystem as read only.")
    boolean readOnly;

    @Option(names = "--cap-add", description = "Add Linux capabilities.")
    List<String> capAdd = new ArrayList<>();

    @Option(names = "--cap-drop", description = "Drop Linux capabilities.")
    List<String> capDrop = new ArrayList<>();

    @Option(names = "--init", description = "Run an init inside the container that forwards signals and reaps processes.")
    Boolean init;

    @Option(names = "--health-cmd", description = "Command to run to check health.")
    String healthCmd;

    @Option(names = "--health-interval", description = "Time between running the check (ms|s|m|h).")
    String healthInterval;

    @Option(names = "--health-timeout", description = "Maximum time to allow one check to run (ms|s|m|h).")
    String healthTimeout;

    @Option(names = "--health-start-period", description = "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h).")
    String healthStartPeriod;

    @Option(names = "--health-start-interval", description = "Time between running the check during the start period (ms|s|m|h).")
    String healthStartInterval;

    @Option(names = "--health-retries", description = "Consecutive failures needed to report unhealthy.")
    Integer healthRetries;

    @Option(names = "--no-healthcheck", description = "Disable any container-specified HEALTHCHECK.")
    boolean noHealthcheck;

    @Option(names = "--health-on-failure", description = "Action when the container turns unhealthy: none, kill, restart, stop (as Podman).")
    String healthOnFailure;

    @Option(names = {"-l", "--label"}, description = "Set meta data on a container.")
    List<String> labels = new ArrayList<>();

    @Option(names = "--stop-signal", description = "Signal to stop the container.")
    String stopSignal;

    @Option(names = "--stop-timeout", description = "Timeout (in seconds) to stop a container.")
    Integer stopTimeout;

    @Option(names = "--dns", description = "Set custom DNS servers.")
    List<String> dns = new ArrayList<>();

    @Option(names = "--dns-search", description = "Set custom DNS search domains.")
    List<String> dnsSearch = new ArrayList<>();

    @Option(names = "--dns-option", description = "Set DNS options.")
    List<String> dnsOptions = new ArrayList<>();

    @Option(names = "--add-host", description = "Add a custom host-to-IP mapping (host:ip).")
    List<String> addHosts = new ArrayList<>();

    @Option(names = "--privileged", description = "Give extended privileges to this container.")
    boolean privileged;

    @Option(names = "--platform", description = "Set platform if server is multi-platform capable.")
    String platform;

    @Option(names = "--runtime", description = "Runtime to use for this container.")
    String runtime;

    @Option(names = "--shm-size", description = "Size of /dev/shm.")
    String shmSize;

    @Option(names = "--tmpfs", description = "Mount a tmpfs directory.")
    List<String> tmpfs = new ArrayList<>();

    @Option(names = "--detach-keys", description = "Override the key sequence for detaching a container.")
    String detachKeys;

    @Option(names = "--pull", description = "Pull image before running (always, missing, never).")
    String pull = "missing";

    @Option(names = {"-q", "--quiet"}, description = "Suppress the pull output.")
    boolean quiet;

    @Option(names = "--sig-proxy", arity = "0..1", defaultValue = "true", fallbackValue = "true",
            description = "Proxy received signals to the process.")
    boolean sigProxy = true;

    /** The query of {@code POST /containers/create}: name and platform, when given. */
    String createQuery() {
        StringBuilder q = new StringBuilder();
        if (name != null) {
            q.append("&name=").append(ImageCommands.encode(name));
        }
        if (platform != null) {
            q.append("&platform=").append(ImageCommands.encode(platform));
        }
        return q.isEmpty() ? "" : "?" + q.substring(1);
    }

    /**
     * The create body docker sends for these flags. {@code detached} is run's {@code -d} (it clears the
     * attach fields); {@code consoleSize} is {@code [rows, columns]} of the local terminal for {@code -t}.
     *
     * @throws Cli.UserError for a value docker refuses before asking the daemon (bad port, size, restart policy)
     */
    ObjectNode createBody(String image, List<String> command, boolean detached, int[] consoleSize,
                          Function<String, Optional<String>> hostEnv) {
        ObjectNode body = ImageCommands.JSON.createObjectNode();
        Set<String> attachTo = new LinkedHashSet<>();
        for (String a : attach) {
            String s = a.toLowerCase(Locale.ROOT);
            if (!s.equals("stdin") && !s.equals("stdout") && !s.equals("stderr")) {
                throw new Cli.UserError("invalid argument \"" + a + "\" for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR");
            }
            attachTo.add(s);
        }
        boolean attachStdin = attachTo.contains("stdin") || interactive;
        boolean attachStdout = attachTo.isEmpty() || attachTo.contains("stdout");
        boolean attachStderr = attachTo.isEmpty() || attachTo.contains("stderr");
        boolean stdinOnce = attachStdin && interactive;
        if (detached) {
            if (!attach.isEmpty()) {
                throw new Cli.UserError("conflicting options: cannot specify both --attach and --detach");
            }
            attachStdin = false;
            attachStdout = false;
            attachStderr = false;
            stdinOnce = false;
        }
        PortSpecs.Published published = PortSpecs.collect(publish, expose);
        long memoryBytes = memory == null ? 0 : flagSize("-m, --memory", memory);
        long swapBytes = memorySwap == null ? 0 : memorySwap.equals("-1") ? -1 : flagSize("--memory-swap", memorySwap);
        long nanoCpus = 0;
        if (cpus != null) {
            try {
                nanoCpus = Units.nanoCpus(cpus);
            } catch (Units.InvalidValue e) {
                throw flagError("--cpus", cpus, e.getMessage());
            }
        }
        ObjectNode restartPolicy = restartPolicy(restart);
        if (autoRemove && !restartPolicy.path("Name").asText().equals("no") && !restartPolicy.path("Name").asText().isEmpty()) {
            throw new Cli.UserError("conflicting options: cannot specify both --restart and --rm");
        }
        if (healthOnFailure != null && !Set.of("none", "kill", "restart", "stop").contains(healthOnFailure)) {
            throw new Cli.UserError("invalid argument \"" + healthOnFailure + "\" for \"--health-on-failure\" flag: use none, kill, restart or stop");
        }

        body.put("Hostname", hostname);
        body.put("Domainname", "");
        body.put("User", user);
        body.put("AttachStdin", attachStdin);
        body.put("AttachStdout", attachStdout);
        body.put("AttachStderr", attachStderr);
        if (!published.exposedPorts().isEmpty()) {
            ObjectNode exposed = body.putObject("ExposedPorts");
            published.exposedPorts().keySet().forEach(p -> exposed.putObject(p));
        }
        body.put("Tty", tty);
        body.put("OpenStdin", interactive);
        body.put("StdinOnce", stdinOnce);
        List<String> environment = environment(hostEnv);
        putStrings(body, "Env", environment.isEmpty() ? null : environment);
        putStrings(body, "Cmd", command.isEmpty() ? null : command);
        JsonNode health = healthcheck();
        if (health != null) {
            body.set("Healthcheck", health);
        }
        body.put("Image", image);
        ObjectNode vols = body.putObject("Volumes");
        List<String> binds = new ArrayList<>();
        Set<String> anonymous = new TreeSet<>();
        for (String v : volumes) {
            if (isBind(v)) {
                binds.add(absoluteHostPart(v));
            } else {
                anonymous.add(v);
            }
        }
        anonymous.forEach(vols::putObject);
        body.put("WorkingDir", workdir);
        if (entrypoint == null) {
            body.putNull("Entrypoint");
        } else {
            body.putArray("Entrypoint").add(entrypoint);
        }
        body.putNull("OnBuild");
        ObjectNode labelNode = body.putObject("Labels");
        labels().forEach(labelNode::put);
        if (stopSignal != null) {
            body.put("StopSignal", stopSignal);
        }
        if (stopTimeout != null) {
            body.put("StopTimeout", stopTimeout);
        }

        ObjectNode host = body.putObject("HostConfig");
        putStrings(host, "Binds", binds.isEmpty() ? null : binds);
        host.put("ContainerIDFile", "");
        ObjectNode log = host.putObject("LogConfig");
        log.put("Type", "");
        log.putObject("Config");
        host.put("NetworkMode", network);
        ObjectNode bindings = host.putObject("PortBindings");
        published.portBindings().forEach((port, list) -> {
            ArrayNode arr = bindings.putArray(port);
            list.forEach(b -> arr.addObject().put("HostIp", b.hostIp()).put("HostPort", b.hostPort()));
        });
        host.set("RestartPolicy", restartPolicy);
        host.put("AutoRemove", autoRemove);
        host.put("VolumeDriver", "");
        host.putNull("VolumesFrom");
        host.putArray("ConsoleSize").add(consoleSize[0]).add(consoleSize[1]);
        putStrings(host, "CapAdd", capabilities(capAdd));
        putStrings(host, "CapDrop", capabilities(capDrop));
        host.put("CgroupnsMode", "");
        putStrings(host, "Dns", dns);
        putStrings(host, "DnsOptions", dnsOptions);
        putStrings(host, "DnsSearch", dnsSearch);
        putStrings(host, "ExtraHosts", addHosts.isEmpty() ? null : addHosts.stream().map(h -> h.replaceFirst("=", ":")).toList());
        host.putNull("GroupAdd");
        host.put("IpcMode", "");
        host.put("Cgroup", "");
        host.putNull("Links");
        host.put("OomScoreAdj", 0);
        host.put("PidMode", "");
        host.put("Privileged", privileged);
        host.put("PublishAllPorts", publishAll);
        host.put("ReadonlyRootfs", readOnly);
        host.putNull("SecurityOpt");
        if (!tmpfs.isEmpty()) {
            // docker: the path before the first colon, its mount options after; a later one for the same path wins;
            // Go writes the map with its keys sorted
            Map<String, String> byPath = new TreeMap<>();
            for (String spec : tmpfs) {
                int colon = spec.indexOf(':');
                byPath.put(colon < 0 ? spec : spec.substring(0, colon), colon < 0 ? "" : spec.substring(colon + 1));
            }
            byPath.forEach(host.putObject("Tmpfs")::put);
        }
        host.put("UTSMode", "");
        host.put("UsernsMode", "");
        host.put("ShmSize", shmSize == null ? 0 : flagSize("--shm-size", shmSize));
        if (runtime != null) {
            host.put("Runtime", runtime);
        }
        host.put("Isolation", "");
        host.put("CpuShares", cpuShares);
        host.put("Memory", memoryBytes);
        host.put("NanoCpus", nanoCpus);
        host.put("CgroupParent", "");
        host.put("BlkioWeight", 0);
        for (String k : List.of("BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps", "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps")) {
            host.putArray(k);
        }
        for (String k : List.of("CpuPeriod", "CpuQuota", "CpuRealtimePeriod", "CpuRealtimeRuntime")) {
            host.put(k, 0);
        }
        host.put("CpusetCpus", "");
        host.put("CpusetMems", "");
        host.putArray("Devices");
        host.putNull("DeviceCgroupRules");
        host.putNull("DeviceRequests");
        host.put("MemoryReservation", 0);
        host.put("MemorySwap", swapBytes);
        host.put("MemorySwappiness", -1);
        host.put("OomKillDisable", false);
        host.put("PidsLimit", pidsLimit);
        host.putArray("Ulimits");
        for (String k : List.of("CpuCount", "CpuPercent", "IOMaximumIOps", "IOMaximumBandwidth")) {
            host.put(k, 0);
        }
        if (!mounts.isEmpty()) {
            ArrayNode m = host.putArray("Mounts");
            mounts.forEach(spec -> m.add(mount(spec)));
        }
        host.putNull("MaskedPaths");
        host.putNull("ReadonlyPaths");
        if (init != null) {
            host.put("Init", init);
        }

        ObjectNode endpoint = body.putObject("NetworkingConfig").putObject("EndpointsConfig").putObject(network);
        endpoint.putNull("IPAMConfig");
        endpoint.putNull("Links");
        putStrings(endpoint, "Aliases", networkAliases.isEmpty() ? null : networkAliases);
        endpoint.put("MacAddress", "");
        endpoint.putNull("DriverOpts");
        endpoint.put("GwPriority", 0);
        for (String k : List.of("NetworkID", "EndpointID", "Gateway", "IPAddress")) {
            endpoint.put(k, "");
        }
        endpoint.put("IPPrefixLen", 0);
        endpoint.put("IPv6Gateway", "");
        endpoint.put("GlobalIPv6Address", "");
        endpoint.put("GlobalIPv6PrefixLen", 0);
        endpoint.putNull("DNSNames");
        return body;
    }

    /** env files first, then each {@code -e}; a bare {@code -e NAME} takes the host's value, or goes as is when unset (docker). */
    List<String> environment(Function<String, Optional<String>> hostEnv) {
        List<String> all = new ArrayList<>();
        for (Path file : envFiles) {
            all.addAll(EnvFile.read(file, hostEnv));
        }
        for (String e : env) {
            int eq = e.indexOf('=');
            if (eq == 0) {
                throw new Cli.UserError("invalid argument \"" + e + "\" for \"-e, --env\" flag: invalid environment variable: " + e);
            }
            all.add(eq > 0 ? e : hostEnv.apply(e).map(v -> e + "=" + v).orElse(e));
        }
        return all;
    }

    Map<String, String> labels() {
        Map<String, String> map = new TreeMap<>();
        for (String l : labels) {
            int eq = l.indexOf('=');
            map.put(eq < 0 ? l : l.substring(0, eq), eq < 0 ? "" : l.substring(eq + 1));
        }
        if (healthOnFailure != null) {
            map.put(HEALTH_ON_FAILURE_LABEL, healthOnFailure);
        }
        return map;
    }

    private JsonNode healthcheck() {
        boolean settings = healthInterval != null || healthTimeout != null || healthStartPeriod != null
                || healthStartInterval != null || healthRetries != null;
        if (noHealthcheck) {
            if (healthCmd != null || settings) {
                throw new Cli.UserError("--no-healthcheck conflicts with --health-* options");
            }
            ObjectNode h = ImageCommands.JSON.createObjectNode();
            h.putArray("Test").add("NONE");
            return h;
        }
        if (healthCmd == null && !settings) {
            return null;
        }
        ObjectNode h = ImageCommands.JSON.createObjectNode();
        if (healthCmd != null && !healthCmd.isEmpty()) {
            h.putArray("Test").add("CMD-SHELL").add(healthCmd);
        }
        putDuration(h, "Interval", "--health-interval", healthInterval);
        putDuration(h, "Timeout", "--health-timeout", healthTimeout);
        putDuration(h, "StartPeriod", "--health-start-period", healthStartPeriod);
        putDuration(h, "StartInterval", "--health-start-interval", healthStartInterval);
        if (healthRetries != null) {
            if (healthRetries < 0) {
                throw new Cli.UserError("--health-retries cannot be negative");
            }
            if (healthRetries > 0) {
                h.put("Retries", healthRetries);
            }
        }
        return h;
    }

    private static void putDuration(ObjectNode h, String field, String flag, String value) {
        if (value == null) {
            return;
        }
        long nanos;
        try {
            nanos = Units.goDurationNanos(value);
        } catch (Units.InvalidValue e) {
            throw flagError(flag, value, e.getMessage());
        }
        if (nanos < 0) {
            throw new Cli.UserError(flag + " cannot be negative");
        }
        if (nanos > 0) {
            h.put(field, nanos);
        }
    }

    /** {@code no}, {@code always}, {@code unless-stopped}, {@code on-failure[:N]}; the daemon judges the name. */
    static ObjectNode restartPolicy(String text) {
        ObjectNode p = ImageCommands.JSON.createObjectNode();
        int colon = text.indexOf(':');
        String name = colon < 0 ? text : text.substring(0, colon);
        String count = colon < 0 ? "" : text.substring(colon + 1);
        if (colon == 0) {
            throw new Cli.UserError("invalid restart policy format: no policy provided before colon");
        }
        int max = 0;
        if (!count.isEmpty()) {
            try {
                max = Integer.parseInt(count);
            } catch (NumberFormatException e) {
                throw new Cli.UserError("invalid restart policy format: maximum retry count must be an integer");
            }
        }
        p.put("Name", name);
        p.put("MaximumRetryCount", max);
        return p;
    }

    /** docker's normalisation: upper case, with the CAP_ prefix, except ALL. */
    private static List<String> capabilities(List<String> caps) {
        if (caps.isEmpty()) {
            return null;
        }
        Set<String> out = new LinkedHashSet<>();
        for (String c : caps) {
            String u = c.strip().toUpperCase(Locale.ROOT);
            out.add(u.equals("ALL") || u.startsWith("CAP_") ? u : "CAP_" + u);
        }
        return new ArrayList<>(out);
    }

    /** A {@code -v} value with a source (host path or volume name) becomes a bind; {@code -v /ctr} alone is an anonymous volume. */
    private static boolean isBind(String spec) {
        return spec.indexOf(':') > 0;
    }

    // docker makes a relative host path that starts with "." absolute; a bare name is a named volume
    private static String absoluteHostPart(String spec) {
        int colon = spec.indexOf(':');
        String hostPart = spec.substring(0, colon);
        if (hostPart.startsWith(".")) {
            hostPart = Path.of(hostPart).toAbsolutePath().normalize().toString();
        }
        return hostPart + spec.substring(colon);
    }

    /**
     * {@code --mount type=bind,source=/a,target=/b,readonly}: the API's Mount object, parsed as docker CLI 28
     * parses it (a CSV record of {@code key=value} fields, keys in any case) and written with the fields it
     * sends, in its order.
     *
     * @throws Cli.FlagError with docker's reason for a value it refuses
     */
    static ObjectNode mount(String spec) {
        try {
            return MountSpec.parse(spec).toJson();
        } catch (Units.InvalidValue e) {
            throw flagError("--mount", spec, e.getMessage());
        }
    }

    /** One {@code --mount} value; the daemon judges what only it can (the type's name, a source's existence). */
    private static final class MountSpec {
        String type = "volume";
        String source = "";
        String target = "";
        boolean readOnly;
        String consistency = "";
        // bind options
        boolean bindOptions;
        String propagation = "";
        boolean nonRecursive;
        boolean readOnlyNonRecursive;
        boolean readOnlyForceRecursive;
        // volume options
        boolean volumeOptions;
        boolean noCopy;
        final Map<String, String> volumeLabels = new TreeMap<>();
        String subpath = "";
        String volumeDriver = "";
        final Map<String, String> volumeDriverOptions = new TreeMap<>();
        // image options
        String imageSubpath;
        // tmpfs options
        boolean tmpfsOptions;
        long tmpfsSize;
        long tmpfsMode;

        static MountSpec parse(String spec) {
            MountSpec m = new MountSpec();
            for (String field : csvRecord(spec)) {
                int eq = field.indexOf('=');
                String key = (eq < 0 ? field : field.substring(0, eq)).toLowerCase(Locale.ROOT);
                String value = eq < 0 ? null : field.substring(eq + 1);
                if (value == null) {
                    switch (key) {
                        case "readonly", "ro" -> m.readOnly = true;
                        case "volume-nocopy" -> {
                            m.volumeOptions = true;
                            m.noCopy = true;
                        }
                        case "bind-nonrecursive" -> {
                            m.bindOptions = true;
                            m.nonRecursive = true;
                        }
                        default -> throw new Units.InvalidValue("invalid field '" + field + "' must be a key=value pair");
                    }
                    continue;
                }
                switch (key) {
                    case "type" -> m.type = value.toLowerCase(Locale.ROOT);
                    case "source", "src" -> m.source = value.startsWith(".") ? Path.of(value).toAbsolutePath().normalize().toString() : value;
                    case "target", "dst", "destination" -> m.target = value;
                    case "readonly", "ro" -> m.readOnly = goBool(value, "invalid value for " + key + ": " + value);
                    case "consistency" -> m.consistency = value.toLowerCase(Locale.ROOT);
                    case "bind-propagation" -> {
                        m.bindOptions = true;
                        m.propagation = value.toLowerCase(Locale.ROOT);
                    }
                    case "bind-nonrecursive" -> {
                        m.bindOptions = true;
                        m.nonRecursive = goBool(value, "invalid value for " + key + ": " + value);
                    }
                    case "bind-recursive" -> {
                        switch (value) {
                            case "enabled" -> {
                            }
                            case "disabled" -> m.nonRecursive = true;
                            case "writable" -> m.readOnlyNonRecursive = true;
                            case "readonly" -> m.readOnlyForceRecursive = true;
                            default -> throw new Units.InvalidValue("invalid value for " + key + ": " + value
                                    + " (must be \"enabled\", \"disabled\", \"writable\", or \"readonly\")");
                        }
                        m.bindOptions |= !value.equals("enabled");
                    }
                    case "volume-subpath" -> {
                        m.volumeOptions = true;
                        m.subpath = value;
                    }
                    case "volume-nocopy" -> {
                        m.volumeOptions = true;
                        m.noCopy = goBool(value, "invalid value for volume-nocopy: " + value);
                    }
                    case "volume-label" -> {
                        m.volumeOptions = true;
                        putKeyValue(m.volumeLabels, value);
                    }
                    case "volume-driver" -> {
                        m.volumeOptions = true;
                        m.volumeDriver = value;
                    }
                    case "volume-opt" -> {
                        m.volumeOptions = true;
                        putKeyValue(m.volumeDriverOptions, value);
                    }
                    case "image-subpath" -> m.imageSubpath = value;
                    case "tmpfs-size" -> {
                        m.tmpfsOptions = true;
                        try {
                            m.tmpfsSize = Units.ramInBytes(value);
                        } catch (Units.InvalidValue e) {
                            throw new Units.InvalidValue("invalid value for " + key + ": " + value);
                        }
                    }
                    case "tmpfs-mode" -> {
                        m.tmpfsOptions = true;
                        try {
                            m.tmpfsMode = Long.parseLong(value, 8);
                        } catch (NumberFormatException e) {
                            m.tmpfsMode = -1;
                        }
                        if (m.tmpfsMode < 0 || m.tmpfsMode > 0xFFFF_FFFFL) {
                            throw new Units.InvalidValue("invalid value for " + key + ": " + value);
                        }
                    }
                    default -> throw new Units.InvalidValue("unexpected key '" + key + "' in '" + field + "'");
                }
            }
            m.check();
            return m;
        }

        private void check() {
            if (type.isEmpty()) {
                throw new Units.InvalidValue("type is required");
            }
            if (target.isEmpty()) {
                throw new Units.InvalidValue("target is required");
            }
            if (volumeOptions && !type.equals("volume")) {
                throw new Units.InvalidValue("cannot mix 'volume-*' options with mount type '" + type + "'");
            }
            if (imageSubpath != null && !type.equals("image")) {
                throw new Units.InvalidValue("cannot mix 'image-*' options with mount type '" + type + "'");
            }
            if (bindOptions && !type.equals("bind")) {
                throw new Units.InvalidValue("cannot mix 'bind-*' options with mount type '" + type + "'");
            }
            if (tmpfsOptions && !type.equals("tmpfs")) {
                throw new Units.InvalidValue("cannot mix 'tmpfs-*' options with mount type '" + type + "'");
            }
            if (readOnlyNonRecursive && !readOnly) {
                throw new Units.InvalidValue("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
            }
            if (readOnlyForceRecursive && !readOnly) {
                throw new Units.InvalidValue("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
            }
            if (readOnlyForceRecursive && !propagation.equals("rprivate")) {
                throw new Units.InvalidValue("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
            }
        }

        /** The API's Mount, as Go writes docker's struct: fields in its order, empty ones left out. */
        ObjectNode toJson() {
            ObjectNode m = ImageCommands.JSON.createObjectNode();
            m.put("Type", type);
            putIfSet(m, "Source", source);
            m.put("Target", target);
            if (readOnly) {
                m.put("ReadOnly", true);
            }
            putIfSet(m, "Consistency", consistency);
            if (bindOptions) {
                ObjectNode b = m.putObject("BindOptions");
                putIfSet(b, "Propagation", propagation);
                putIfTrue(b, "NonRecursive", nonRecursive);
                putIfTrue(b, "ReadOnlyNonRecursive", readOnlyNonRecursive);
                putIfTrue(b, "ReadOnlyForceRecursive", readOnlyForceRecursive);
            }
            if (volumeOptions) {
                ObjectNode v = m.putObject("VolumeOptions");
                putIfTrue(v, "NoCopy", noCopy);
                if (!volumeLabels.isEmpty()) {
                    volumeLabels.forEach(v.putObject("Labels")::put);
                }
                putIfSet(v, "Subpath", subpath);
                ObjectNode d = v.putObject("DriverConfig"); // docker CLI 28 always sends it with volume options
                putIfSet(d, "Name", volumeDriver);
                if (!volumeDriverOptions.isEmpty()) {
                    volumeDriverOptions.forEach(d.putObject("Options")::put);
                }
            }
            if (imageSubpath != null) {
                putIfSet(m.putObject("ImageOptions"), "Subpath", imageSubpath);
            }
            if (tmpfsOptions) {
                ObjectNode t = m.putObject("TmpfsOptions");
                if (tmpfsSize != 0) {
                    t.put("SizeBytes", tmpfsSize);
                }
                if (tmpfsMode != 0) {
                    t.put("Mode", tmpfsMode);
                }
            }
            return m;
        }

        private static void putIfSet(ObjectNode n, String field, String value) {
            if (!value.isEmpty()) {
                n.put(field, value);
            }
        }

        private static void putIfTrue(ObjectNode n, String field, boolean value) {
            if (value) {
                n.put(field, true);
            }
        }

        private static void putKeyValue(Map<String, String> map, String keyValue) {
            int eq = keyValue.indexOf('=');
            String k = eq < 0 ? keyValue : keyValue.substring(0, eq);
            if (!k.isEmpty()) {
                map.put(k, eq < 0 ? "" : keyValue.substring(eq + 1));
            }
        }

        /** Go's strconv.ParseBool. */
        private static boolean goBool(String value, String error) {
            return switch (value) {
                case "1", "t", "T", "true", "TRUE", "True" -> true;
                case "0", "f", "F", "false", "FALSE", "False" -> false;
                default -> throw new Units.InvalidValue(error);
            };
        }

        /**
         * One record of Go's encoding/csv: comma-separated fields, a field in double quotes may hold commas
         * and doubled quotes. Its errors keep Go's words.
         */
        static List<String> csvRecord(String text) {
            if (text.isEmpty()) {
                throw new Units.InvalidValue("EOF");
            }
            List<String> fields = new ArrayList<>();
            int i = 0;
            int n = text.length();
            while (true) {
                StringBuilder field = new StringBuilder();
                if (i < n && text.charAt(i) == '"') {
                    i++;
                    while (true) {
                        if (i >= n) {
                            throw new Units.InvalidValue("parse error on line 1, column " + (n + 1) + ": extraneous or missing \" in quoted-field");
                        }
                        char ch = text.charAt(i);
                        if (ch == '"') {
                            if (i + 1 < n && text.charAt(i + 1) == '"') {
                                field.append('"');
                                i += 2;
                                continue;
                            }
                            i++;
                            break;
                        }
                        field.append(ch);
                        i++;
                    }
                    if (i < n && text.charAt(i) != ',') {
                        throw new Units.InvalidValue("parse error on line 1, column " + (i + 1) + ": extraneous or missing \" in quoted-field");
                    }
                } else {
                    while (i < n && text.charAt(i) != ',') {
                        char ch = text.charAt(i);
                        if (ch == '"') {
                            throw new Units.InvalidValue("parse error on line 1, column " + (i + 1) + ": bare \" in non-quoted-field");
                        }
                        if (ch == '\n' || ch == '\r') {
                            break;
                        }
                        field.append(ch);
                        i++;
                    }
                }
                fields.add(field.toString());
                if (i < n && text.charAt(i) == ',') {
                    i++;
                    continue;
                }
                return fields;
            }
        }
    }

    private static long flagSize(String flag, String value) {
        try {
            return Units.ramInBytes(value);
        } catch (Units.InvalidValue e) {
            throw flagError(flag, value, e.getMessage());
        }
    }

    /** pflag's wording for a value a flag refused; run/create print it with their usage line. */
    static Cli.FlagError flagError(String flag, String value, String why) {
        return new Cli.FlagError("invalid argument \"" + value + "\" for \"" + flag + "\" flag: " + why);
    }

    private static void putStrings(ObjectNode node, String field, List<String> values) {
        if (values == null) {
            node.putNull(field);
        } else {
            ArrayNode arr = node.putArray(field);
            values.forEach(arr::add);
        }
    }
}
