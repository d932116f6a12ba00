package dev.skiff.engine.containers;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * Docker's container {@code Config}, with its JSON names: what {@code POST /containers/create} sends
 * and {@code inspect} shows. Fields a newer CLI sends are ignored. A null list means "not given",
 * which differs from an empty one for Cmd and Entrypoint (Docker's rules in {@link ImageDefaults}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ContainerConfig(
        @JsonProperty("Hostname") String hostname,
        @JsonProperty("Domainname") String domainname,
        @JsonProperty("User") String user,
        @JsonProperty("AttachStdin") boolean attachStdin,
        @JsonProperty("AttachStdout") boolean attachStdout,
        @JsonProperty("AttachStderr") boolean attachStderr,
        @JsonProperty("ExposedPorts") Map<String, Object> exposedPorts,
        @JsonProperty("Tty") boolean tty,
        @JsonProperty("OpenStdin") boolean openStdin,
        @JsonProperty("StdinOnce") boolean stdinOnce,
        @JsonProperty("Env") List<String> env,
        @JsonProperty("Cmd") List<String> cmd,
        @JsonProperty("Healthcheck") JsonNode healthcheck,
        @JsonProperty("Image") String image,
        @JsonProperty("Volumes") Map<String, Object> volumes,
        @JsonProperty("WorkingDir") String workingDir,
        @JsonProperty("Entrypoint") List<String> entrypoint,
        @JsonProperty("OnBuild") List<String> onBuild,
        @JsonProperty("Labels") Map<String, String> labels,
        @JsonProperty("StopSignal") String stopSignal,
        @JsonProperty("StopTimeout") Integer stopTimeout) {

    public ContainerConfig {
        hostname = hostname == null ? "" : hostname;
        domainname = domainname == null ? "" : domainname;
        user = user == null ? "" : user;
        image = image == null ? "" : image;
        workingDir = workingDir == null ? "" : workingDir;
        env = env == null ? List.of() : List.copyOf(env);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** A config with only an image and a command: what tests and simple callers start from. */
    public static ContainerConfig of(String image, List<String> cmd) {
        return new ContainerConfig("", "", "", false, false, false, null, false, false, false, List.of(),
                cmd, null, image, null, "", null, null, Map.of(), null, null);
    }

    public ContainerConfig withHostname(String v) {
        return new ContainerConfig(v, domainname, user, attachStdin, attachStdout, attachStderr, exposedPorts, tty, openStdin,
                stdinOnce, env, cmd, healthcheck, image, volumes, workingDir, entrypoint, onBuild, labels, stopSignal, stopTimeout);
    }

    public ContainerConfig withEnv(List<String> v) {
        return new ContainerConfig(hostname, domainname, user, attachStdin, attachStdout, attachStderr, exposedPorts, tty, openStdin,
                stdinOnce, v, cmd, healthcheck, image, volumes, workingDir, entrypoint, onBuild, labels, stopSignal, stopTimeout);
    }

    public ContainerConfig withEntrypoint(List<String> v) {
        return new ContainerConfig(hostname, domainname, user, attachStdin, attachStdout, attachStderr, exposedPorts, tty, openStdin,
                stdinOnce, env, cmd, healthcheck, image, volumes, workingDir, v, onBuild, labels, stopSignal, stopTimeout);
    }

    public ContainerConfig withStopTimeout(Integer v) {
        return new ContainerConfig(hostname, domainname, user, attachStdin, attachStdout, attachStderr, exposedPorts, tty, openStdin,
                stdinOnce, env, cmd, healthcheck, image, volumes, workingDir, entrypoint, onBuild, labels, stopSignal, v);
    }

    public ContainerConfig withUser(String v) {
        return new ContainerConfig(hostname, domainname, v, attachStdin, attachStdout, attachStderr, exposedPorts, tty, openStdin,
                stdinOnce, env, cmd, healthcheck, image, volumes, workingDir, entrypoint, onBuild, labels, stopSignal, stopTimeout);
    }

    public ContainerConfig withLabels(Map<String, String> v) {
        return new ContainerConfig(hostname, domainname, user, attachStdin, attachStdout, attachStderr, exposedPorts, tty, openStdin,
                stdinOnce, env, cmd, healthcheck, image, volumes, workingDir, entrypoint, onBuild, v, stopSignal, stopTimeout);
    }

    /** The command line: Entrypoint then Cmd. */
    public List<String> args() {
        List<String> all = new java.util.ArrayList<>();
        if (entrypoint != null) {
            all.addAll(entrypoint);
        }
        if (cmd != null) {
            all.addAll(cmd);
        }
        return all;
    }
}
