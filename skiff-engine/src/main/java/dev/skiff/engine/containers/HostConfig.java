package dev.skiff.engine.containers;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Docker's {@code HostConfig}: how the host runs the container (resources, network, ports, privileges,
 * mounts), with its JSON names. Fields this engine does not know are ignored; {@code Mounts} and
 * {@code Tmpfs} are left out of the JSON when empty, as dockerd leaves them out.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record HostConfig(
        @JsonProperty("Binds") List<String> binds,
        @JsonProperty("NetworkMode") String networkMode,
        @JsonProperty("PortBindings") Map<String, List<HostPort>> portBindings,
        @JsonProperty("PublishAllPorts") boolean publishAllPorts,
        @JsonProperty("RestartPolicy") RestartPolicy restartPolicy,
        @JsonProperty("AutoRemove") boolean autoRemove,
        @JsonProperty("CapAdd") List<String> capAdd,
        @JsonProperty("CapDrop") List<String> capDrop,
        @JsonProperty("Memory") long memory,
        @JsonProperty("NanoCpus") long nanoCpus,
        @JsonProperty("CpuShares") long cpuShares,
        @JsonProperty("PidsLimit") Long pidsLimit,
        @JsonProperty("ReadonlyRootfs") boolean readonlyRootfs,
        @JsonProperty("Init") Boolean init,
        @JsonProperty("Privileged") boolean privileged,
        @JsonProperty("Dns") List<String> dns,
        @JsonProperty("DnsSearch") List<String> dnsSearch,
        @JsonProperty("ExtraHosts") List<String> extraHosts,
        @JsonProperty("ShmSize") long shmSize,
        @JsonProperty("Runtime") String runtime,
        @JsonProperty("Mounts") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Mount> mounts,
        @JsonProperty("Tmpfs") @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> tmpfs) {

    /** dockerd's default {@code /dev/shm} size. */
    public static final long DEFAULT_SHM_SIZE = 64L << 20;

    public HostConfig {
        networkMode = networkMode == null || networkMode.isEmpty() ? "default" : networkMode;
        binds = binds == null ? List.of() : List.copyOf(binds);
        portBindings = portBindings == null ? Map.of() : Map.copyOf(portBindings);
        restartPolicy = restartPolicy == null ? new RestartPolicy("no", 0) : restartPolicy;
        capAdd = capAdd == null ? List.of() : List.copyOf(capAdd);
        capDrop = capDrop == null ? List.of() : List.copyOf(capDrop);
        dns = dns == null ? List.of() : List.copyOf(dns);
        dnsSearch = dnsSearch == null ? List.of() : List.copyOf(dnsSearch);
        extraHosts = extraHosts == null ? List.of() : List.copyOf(extraHosts);
        shmSize = shmSize <= 0 ? DEFAULT_SHM_SIZE : shmSize;
        runtime = runtime == null || runtime.isEmpty() ? "runc" : runtime;
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        if (tmpfs == null) {
            tmpfs = Map.of();
        } else {
            Map<String, String> sorted = new TreeMap<>(); // a null value is as good as no options
            tmpfs.forEach((path, options) -> sorted.put(path, options == null ? "" : options));
            tmpfs = Collections.unmodifiableMap(sorted);
        }
        if (memory < 0 || nanoCpus < 0 || cpuShares < 0) {
            throw new ContainerException.InvalidArgument("Memory, NanoCpus and CpuShares must not be negative");
        }
        if (memory > 0 && memory < 6L << 20) {
            throw new ContainerException.InvalidArgument("Minimum memory limit allowed is 6MB");
        }
    }

    /** The paths hidden from the container (inspect's {@code MaskedPaths}); none when privileged. */
    public List<String> effectiveMaskedPaths() {
        return privileged ? List.of() : OciSpec.MASKED_PATHS;
    }

    /** The paths the container sees read-only (inspect's {@code ReadonlyPaths}); none when privileged. */
    public List<String> effectiveReadonlyPaths() {
        return privileged ? List.of() : OciSpec.READONLY_PATHS;
    }

    /** Defaults for everything: what {@code docker run image} sends, near enough. */
    public static HostConfig defaults() {
        return new HostConfig(null, null, null, false, null, false, null, null, 0, 0, 0, null, false, null, false,
                null, null, null, 0, null, null, null);
    }

    public HostConfig withAutoRemove(boolean v) {
        return new HostConfig(binds, networkMode, portBindings, publishAllPorts, restartPolicy, v, capAdd, capDrop, memory,
                nanoCpus, cpuShares, pidsLimit, readonlyRootfs, init, privileged, dns, dnsSearch, extraHosts, shmSize, runtime, mounts, tmpfs);
    }

    public HostConfig withNetworkMode(String v) {
        return new HostConfig(binds, v, portBindings, publishAllPorts, restartPolicy, autoRemove, capAdd, capDrop, memory,
                nanoCpus, cpuShares, pidsLimit, readonlyRootfs, init, privileged, dns, dnsSearch, extraHosts, shmSize, runtime, mounts, tmpfs);
    }

    public HostConfig withCaps(List<String> add, List<String> drop) {
        return new HostConfig(binds, networkMode, portBindings, publishAllPorts, restartPolicy, autoRemove, add, drop, memory,
                nanoCpus, cpuShares, pidsLimit, readonlyRootfs, init, privileged, dns, dnsSearch, extraHosts, shmSize, runtime, mounts, tmpfs);
    }

    public HostConfig withRestartPolicy(RestartPolicy v) {
        return new HostConfig(binds, networkMode, portBindings, publishAllPorts, v, autoRemove, capAdd, capDrop, memory,
                nanoCpus, cpuShares, pidsLimit, readonlyRootfs, init, privileged, dns, dnsSearch, extraHosts, shmSize, runtime, mounts, tmpfs);
    }

    public HostConfig withBinds(List<String> v) {
        return new HostConfig(v, networkMode, portBindings, publishAllPorts, restartPolicy, autoRemove, capAdd, capDrop, memory,
                nanoCpus, cpuShares, pidsLimit, readonlyRootfs, init, privileged, dns, dnsSearch, extraHosts, shmSize, runtime, mounts, tmpfs);
    }

    public HostConfig withMounts(List<Mount> v) {
        return new HostConfig(binds, networkMode, portBindings, publishAllPorts, restartPolicy, autoRemove, capAdd, capDrop, memory,
                nanoCpus, cpuShares, pidsLimit, readonlyRootfs, init, privileged, dns, dnsSearch, extraHosts, shmSize, runtime, v, tmpfs);
    }

    public HostConfig withTmpfs(Map<String, String> v) {
        return new HostConfig(binds, networkMode, portBindings, publishAllPorts, restartPolicy, autoRemove, capAdd, capDrop, memory,
                nanoCpus, cpuShares, pidsLimit, readonlyRootfs, init, privileged, dns, dnsSearch, extraHosts, shmSize, runtime, mounts, v);
    }

    public HostConfig withInit(Boolean v) {
        return new HostConfig(binds, networkMode, portBindings, publishAllPorts, restartPolicy, autoRemove, capAdd, capDrop, memory,
                nanoCpus, cpuShares, pidsLimit, readonlyRootfs, v, privileged, dns, dnsSearch, extraHosts, shmSize, runtime, mounts, tmpfs);
    }

    /** Docker runs its init as PID 1 only when asked ({@code --init}); {@code Init} null means the daemon's default, off. */
    public boolean runsInit() {
        return init != null && init;
    }

    public HostConfig withReadonlyRootfs(boolean v) {
        return new HostConfig(binds, networkMode, portBindings, publishAllPorts, restartPolicy, autoRemove, capAdd, capDrop, memory,
                nanoCpus, cpuShares, pidsLimit, v, init, privileged, dns, dnsSearch, extraHosts, shmSize, runtime, mounts, tmpfs);
    }

    public HostConfig withRuntime(String v) {
        return new HostConfig(binds, networkMode, portBindings, publishAllPorts, restartPolicy, autoRemove, capAdd, capDrop, memory,
                nanoCpus, cpuShares, pidsLimit, readonlyRootfs, init, privileged, dns, dnsSearch, extraHosts, shmSize, v, mounts, tmpfs);
    }

    public HostConfig withResources(long memory, long nanoCpus, Long pidsLimit) {
        return new HostConfig(binds, networkMode, portBindings, publishAllPorts, restartPolicy, autoRemove, capAdd, capDrop, memory,
                nanoCpus, cpuShares, pidsLimit, readonlyRootfs, init, privileged, dns, dnsSearch, extraHosts, shmSize, runtime, mounts, tmpfs);
    }

    /** One {@code HostIp}/{@code HostPort} a container port is published on; empty strings mean "any". */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record HostPort(@JsonProperty("HostIp") String hostIp, @JsonProperty("HostPort") String hostPort) {
        public HostPort {
            hostIp = hostIp == null ? "" : hostIp;
            hostPort = hostPort == null ? "" : hostPort;
        }
    }

    /** {@code --restart}: no, always, unless-stopped, on-failure (with a maximum retry count). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record RestartPolicy(@JsonProperty("Name") String name, @JsonProperty("MaximumRetryCount") int maximumRetryCount) {
        public RestartPolicy {
            name = name == null || name.isEmpty() ? "no" : name;
            if (!List.of("no", "always", "unless-stopped", "on-failure").contains(name)) {
                throw new ContainerException.InvalidArgument("invalid restart policy '" + name + "'");
            }
        }
    }
}
