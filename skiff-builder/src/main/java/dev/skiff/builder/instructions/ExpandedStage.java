package dev.skiff.builder.instructions;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A stage with its variables expanded, ready to be turned into build steps.
 *
 * @param stage       the stage as written
 * @param from        its FROM with image and platform expanded with the global ARGs
 * @param platform    the platform the stage builds for: FROM's {@code --platform}, else the target
 * @param steps       its instructions, expanded where BuildKit expands them
 * @param environment the variables (image ENV, ENV, ARG) at the end of the stage, which a stage
 *                    built FROM this one starts with
 */
public record ExpandedStage(Stage stage, Command.From from, Platform platform, List<Step> steps,
                            Map<String, String> environment) {
    public ExpandedStage {
        Objects.requireNonNull(stage, "stage");
        steps = List.copyOf(steps);
        environment = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(environment));
    }

    /**
     * One expanded instruction.
     *
     * @param command     the instruction with BuildKit's words expanded (for ARG: the values taken)
     * @param environment the variables in effect when it runs: what a RUN's process sees, besides
     *                    the proxy variables of {@link BuildOptions#proxyEnvironment()}
     * @param mounts      for RUN, its {@code --mount}s read after expansion; otherwise empty
     */
    public record Step(Command command, Map<String, String> environment, List<RunMount> mounts) {
        public Step {
            Objects.requireNonNull(command, "command");
            environment = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(environment));
            mounts = List.copyOf(mounts);
        }
    }
}
