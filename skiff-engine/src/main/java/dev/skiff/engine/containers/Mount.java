package dev.skiff.engine.containers;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * One {@code HostConfig.Mounts} entry ({@code --mount}), with Docker's JSON names; empty fields are
 * left out when written, as Go's {@code omitempty} leaves them out, so inspect echoes what was sent.
 * The option objects are null when absent, as on the wire: which of them is present matters (only the
 * mount type's own may be).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_DEFAULT)
public record Mount(
        @JsonProperty("Type") String type,
        @JsonProperty("Source") String source,
        @JsonProperty("Target") String target,
        @JsonProperty("ReadOnly") boolean readOnly,
        @JsonProperty("Consistency") String consistency,
        @JsonProperty("BindOptions") BindOptions bindOptions,
        @JsonProperty("VolumeOptions") VolumeOptions volumeOptions,
        @JsonProperty("TmpfsOptions") TmpfsOptions tmpfsOptions) {

    public Mount {
        type = type == null ? "" : type;
        source = source == null ? "" : source;
        target = target == null ? "" : target;
        consistency = consistency == null ? "" : consistency;
    }

    public static Mount bind(String source, String target, boolean readOnly) {
        return new Mount("bind", source, target, readOnly, null, null, null, null);
    }

    public static Mount volume(String name, String target, boolean readOnly) {
        return new Mount("volume", name, target, readOnly, null, null, null, null);
    }

    public static Mount tmpfs(String target, long sizeBytes, int mode) {
        return new Mount("tmpfs", null, target, false, null, null, null, new TmpfsOptions(sizeBytes, mode, null));
    }

    public Mount withBindOptions(BindOptions v) {
        return new Mount(type, source, target, readOnly, consistency, v, volumeOptions, tmpfsOptions);
    }

    /** {@code bind-propagation}, {@code bind-nonrecursive}, {@code bind-create-src}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record BindOptions(
            @JsonProperty("Propagation") String propagation,
            @JsonProperty("NonRecursive") boolean nonRecursive,
            @JsonProperty("CreateMountpoint") boolean createMountpoint) {
        public BindOptions {
            propagation = propagation == null ? "" : propagation;
        }
    }

    /** {@code volume-nocopy}, {@code volume-label}, {@code volume-driver}, {@code volume-opt}, {@code volume-subpath}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record VolumeOptions(
            @JsonProperty("NoCopy") boolean noCopy,
            @JsonProperty("Labels") Map<String, String> labels,
            @JsonProperty("Subpath") String subpath,
            @JsonProperty("DriverConfig") Driver driverConfig) {
        public VolumeOptions {
            labels = labels == null ? Map.of() : Map.copyOf(labels);
            subpath = subpath == null ? "" : subpath;
        }
    }

    /** The volume driver and its options. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record Driver(@JsonProperty("Name") String name, @JsonProperty("Options") Map<String, String> options) {
        public Driver {
            name = name == null ? "" : name;
            options = options == null ? Map.of() : Map.copyOf(options);
        }
    }

    /**
     * {@code tmpfs-size} in bytes and {@code tmpfs-mode} (permission bits, as Go's {@code os.FileMode}
     * number); {@code Options} are raw {@code [name]} or {@code [name, value]} pairs.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    public record TmpfsOptions(
            @JsonProperty("SizeBytes") long sizeBytes,
            @JsonProperty("Mode") int mode,
            @JsonProperty("Options") List<List<String>> options) {
        public TmpfsOptions {
            options = options == null ? List.of() : options.stream().map(o -> o == null ? List.<String>of() : List.copyOf(o)).toList();
        }
    }
}
