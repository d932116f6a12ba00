package dev.skiff.engine.build;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code docker build} asks for.
 *
 * @param contextDir the build context, unpacked
 * @param dockerfile the Dockerfile's path relative to the context ({@code Dockerfile} by default)
 * @param tags       tag references as given ({@code x}, {@code x:1}), normalized by the builder
 * @param labels     labels added to the target's config, as a last {@code LABEL} step
 */
public record BuildRequest(Path contextDir, String dockerfile, List<String> tags, Map<String, String> buildArgs,
                           Optional<String> target, boolean noCache, Map<String, String> labels, String networkMode,
                           Map<String, byte[]> secrets, Pulls pulls) {
    /** The networks a build's RUN steps may join: {@code docker build --network} and {@code RUN --network}. */
    public static final List<String> NETWORK_MODES = List.of("default", "bridge", "host", "none");

    public BuildRequest {
        secrets = Map.copyOf(secrets);
        pulls = pulls == null ? Pulls.MISSING : pulls;
        networkMode = networkMode == null || networkMode.isEmpty() ? "default" : networkMode;
        Objects.requireNonNull(contextDir, "contextDir");
        dockerfile = dockerfile == null || dockerfile.isEmpty() ? "Dockerfile" : dockerfile;
        tags = List.copyOf(tags);
        buildArgs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(buildArgs));
        labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        Objects.requireNonNull(target, "target");
    }

    /** A build of {@code contextDir/Dockerfile} with nothing else asked. */
    public static BuildRequest of(Path contextDir, List<String> tags) {
        return new BuildRequest(contextDir, "Dockerfile", tags, Map.of(), Optional.empty(), false, Map.of());
    }

    /** Without a network mode: the default network, as {@code docker build} without {@code --network}. */
    public BuildRequest(Path contextDir, String dockerfile, List<String> tags, Map<String, String> buildArgs,
                        Optional<String> target, boolean noCache, Map<String, String> labels) {
        this(contextDir, dockerfile, tags, buildArgs, target, noCache, labels, "default", Map.of(), Pulls.MISSING);
    }

    /** The secrets a {@code RUN --mount=type=secret} reads, by id; never shown, never in a cache key. */
    public BuildRequest withSecrets(Map<String, byte[]> v) {
        return new BuildRequest(contextDir, dockerfile, tags, buildArgs, target, noCache, labels, networkMode, v, pulls);
    }

    @Override
    public String toString() {
        return "BuildRequest[" + contextDir + ", " + dockerfile + ", " + tags + ", secrets " + secrets.keySet() + "]";
    }

    /** {@code docker build --network}: the network RUN steps join unless one says {@code RUN --network}. */
    public BuildRequest withNetworkMode(String v) {
        return new BuildRequest(contextDir, dockerfile, tags, buildArgs, target, noCache, labels, v, secrets, pulls);
    }

    public BuildRequest withNoCache(boolean v) {
        return new BuildRequest(contextDir, dockerfile, tags, buildArgs, target, v, labels, networkMode, secrets, pulls);
    }

    public BuildRequest withTarget(String v) {
        return new BuildRequest(contextDir, dockerfile, tags, buildArgs, Optional.of(v), noCache, labels, networkMode, secrets, pulls);
    }

    public BuildRequest withBuildArgs(Map<String, String> v) {
        return new BuildRequest(contextDir, dockerfile, tags, v, target, noCache, labels, networkMode, secrets, pulls);
    }

    public BuildRequest withDockerfile(String v) {
        return new BuildRequest(contextDir, v, tags, buildArgs, target, noCache, labels, networkMode, secrets, pulls);
    }

    public BuildRequest withLabels(Map<String, String> v) {
        return new BuildRequest(contextDir, dockerfile, tags, buildArgs, target, noCache, v, networkMode, secrets, pulls);
    }

    /** As dockerd's API gives a build: every setting but the pulls, which are those of a build without {@code --pull}. */
    public BuildRequest(Path contextDir, String dockerfile, List<String> tags, Map<String, String> buildArgs, Optional<String> target,
                        boolean noCache, Map<String, String> labels, String networkMode, Map<String, byte[]> secrets) {
        this(contextDir, dockerfile, tags, buildArgs, target, noCache, labels, networkMode, secrets, Pulls.MISSING);
    }

    /**
     * Which images a build pulls: those its FROM and COPY --from name that are not here, or, with
     * {@code docker build --pull}, every one (a newer image if there is one), with the credentials the
     * client sent for each registry ({@code X-Registry-Config}), by the registry's domain as {@code
     * ImageReference.domain} names it ({@code localhost:5000}, {@code docker.io}).
     */
    public record Pulls(boolean always, Map<String, dev.skiff.engine.distribution.Credentials> credentials) {
        public static final Pulls MISSING = new Pulls(false, Map.of());

        public Pulls {
            credentials = Map.copyOf(credentials);
        }
    }

    /** {@code docker build --pull}, and the registries' credentials. */
    public BuildRequest withPulls(Pulls v) {
        return new BuildRequest(contextDir, dockerfile, tags, buildArgs, target, noCache, labels, networkMode, secrets, v);
    }
}
