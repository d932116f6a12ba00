package dev.skiff.builder.instructions;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a build is asked for besides the Dockerfile: {@code --build-arg}s, {@code --target}, and
 * the platforms ({@code --platform} is the target; the build platform is the machine's).
 */
public record BuildOptions(Map<String, String> buildArgs, Platform buildPlatform, Platform targetPlatform,
                           Optional<String> target) {
    /** The proxy variables a RUN sees without an ARG, matched ignoring case, as BuildKit does. */
    static final List<String> PROXY_ARGS = List.of("http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "all_proxy");

    public BuildOptions {
        buildArgs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(buildArgs));
        Objects.requireNonNull(buildPlatform, "buildPlatform");
        Objects.requireNonNull(targetPlatform, "targetPlatform");
        Objects.requireNonNull(target, "target");
    }

    /** Builds for the machine it runs on: the target platform is the build platform. */
    public static BuildOptions forPlatform(Platform platform, Map<String, String> buildArgs) {
        return new BuildOptions(buildArgs, platform, platform, Optional.empty());
    }

    public BuildOptions withTarget(String stage) {
        return new BuildOptions(buildArgs, buildPlatform, targetPlatform, Optional.of(stage));
    }

    public BuildOptions withTargetPlatform(Platform platform) {
        return new BuildOptions(buildArgs, buildPlatform, platform, target);
    }

    /**
     * The build args that are proxy settings ({@code HTTP_PROXY}, {@code no_proxy}...): BuildKit
     * gives them to every RUN without an ARG and leaves them out of the image and its cache key.
     */
    public Map<String, String> proxyEnvironment() {
        Map<String, String> proxies = new LinkedHashMap<>();
        buildArgs.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            if (PROXY_ARGS.stream().anyMatch(p -> p.equalsIgnoreCase(e.getKey()))) {
                proxies.put(e.getKey(), e.getValue());
            }
        });
        return java.util.Collections.unmodifiableMap(proxies);
    }
}
