package dev.skiff.engine.images;

import dev.skiff.formats.Digest;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An image's configuration (image-spec {@code config.md}, with Docker's extensions): what an image
 * says about itself. The wire form is {@link ImageConfigCodec}'s business; an empty string or list
 * here means "not set", as it does for Docker.
 */
public record ImageConfig(String architecture, String os, String variant, String author,
                          Optional<Instant> created, String comment, ContainerConfig config,
                          List<Digest> diffIds, List<History> history) {

    public ImageConfig {
        architecture = nonNull(architecture);
        os = nonNull(os);
        variant = nonNull(variant);
        author = nonNull(author);
        comment = nonNull(comment);
        if (created == null || config == null) {
            throw new IllegalArgumentException("created and config must not be null");
        }
        diffIds = List.copyOf(diffIds);
        history = List.copyOf(history);
    }

    /** The part of the config a container starts from (Docker's {@code container.Config}). */
    public record ContainerConfig(String user, List<String> env, List<String> entrypoint, List<String> cmd,
                                  String workingDir, SortedSet<String> exposedPorts, SortedSet<String> volumes,
                                  SortedMap<String, String> labels, String stopSignal, List<String> onBuild,
                                  Optional<HealthConfig> healthcheck) {

        public static final ContainerConfig EMPTY = new ContainerConfig("", List.of(), List.of(), List.of(), "",
                new TreeSet<>(), new TreeSet<>(), new TreeMap<>(), "", List.of(), Optional.empty());

        public ContainerConfig {
            user = nonNull(user);
            workingDir = nonNull(workingDir);
            stopSignal = nonNull(stopSignal);
            env = List.copyOf(env);
            entrypoint = List.copyOf(entrypoint);
            cmd = List.copyOf(cmd);
            onBuild = List.copyOf(onBuild);
            exposedPorts = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(exposedPorts));
            volumes = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(volumes));
            labels = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(labels));
            if (healthcheck == null) {
                throw new IllegalArgumentException("healthcheck must not be null");
            }
        }

        public ContainerConfig withUser(String v) {
            return new ContainerConfig(v, env, entrypoint, cmd, workingDir, exposedPorts, volumes, labels,
                    stopSignal, onBuild, healthcheck);
        }

        public ContainerConfig withEnv(List<String> v) {
            return new ContainerConfig(user, v, entrypoint, cmd, workingDir, exposedPorts, volumes, labels,
                    stopSignal, onBuild, healthcheck);
        }

        public ContainerConfig withEntrypoint(List<String> v) {
            return new ContainerConfig(user, env, v, cmd, workingDir, exposedPorts, volumes, labels,
                    stopSignal, onBuild, healthcheck);
        }

        public ContainerConfig withCmd(List<String> v) {
            return new ContainerConfig(user, env, entrypoint, v, workingDir, exposedPorts, volumes, labels,
                    stopSignal, onBuild, healthcheck);
        }

        public ContainerConfig withWorkingDir(String v) {
            return new ContainerConfig(user, env, entrypoint, cmd, v, exposedPorts, volumes, labels,
                    stopSignal, onBuild, healthcheck);
        }

        public ContainerConfig withExposedPorts(Set<String> v) {
            return new ContainerConfig(user, env, entrypoint, cmd, workingDir, new TreeSet<>(v), volumes, labels,
                    stopSignal, onBuild, healthcheck);
        }

        public ContainerConfig withVolumes(Set<String> v) {
            return new ContainerConfig(user, env, entrypoint, cmd, workingDir, exposedPorts, new TreeSet<>(v), labels,
                    stopSignal, onBuild, healthcheck);
        }

        public ContainerConfig withLabels(Map<String, String> v) {
            return new ContainerConfig(user, env, entrypoint, cmd, workingDir, exposedPorts, volumes,
                    new TreeMap<>(v), stopSignal, onBuild, healthcheck);
        }

        public ContainerConfig withStopSignal(String v) {
            return new ContainerConfig(user, env, entrypoint, cmd, workingDir, exposedPorts, volumes, labels,
                    v, onBuild, healthcheck);
        }

        public ContainerConfig withOnBuild(List<String> v) {
            return new ContainerConfig(user, env, entrypoint, cmd, workingDir, exposedPorts, volumes, labels,
                    stopSignal, v, healthcheck);
        }

        public ContainerConfig withHealthcheck(Optional<HealthConfig> v) {
            return new ContainerConfig(user, env, entrypoint, cmd, workingDir, exposedPorts, volumes, labels,
                    stopSignal, onBuild, v);
        }
    }

    /**
     * Docker's {@code HEALTHCHECK}: {@code test} is {@code ["NONE"]}, {@code ["CMD", args...]} or
     * {@code ["CMD-SHELL", command]}; a zero duration or retry count means "inherit / default".
     */
    public record HealthConfig(List<String> test, Duration interval, Duration timeout, Duration startPeriod,
                               Duration startInterval, int retries) {
        public HealthConfig {
            test = List.copyOf(test);
        }
    }

    /** One entry of the image's history; {@code emptyLayer} entries made no layer. */
    public record History(Optional<Instant> created, String createdBy, String author, String comment,
                          boolean emptyLayer) {
        public History {
            createdBy = nonNull(createdBy);
            author = nonNull(author);
            comment = nonNull(comment);
        }
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}
