package dev.skiff.builder.instructions;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One build stage: its FROM and the instructions up to the next FROM.
 *
 * @param index the stage's position, from 0, as {@code COPY --from=0} counts
 */
public record Stage(int index, Command.From from, List<Command> commands) {
    public Stage {
        Objects.requireNonNull(from, "from");
        commands = List.copyOf(commands);
    }

    /** The {@code AS} name, lower-cased. */
    public Optional<String> name() {
        return from.stageName();
    }

    /** The name, or {@code stage-N} as BuildKit calls an unnamed stage in progress output. */
    public String displayName() {
        return name().orElse("stage-" + index);
    }
}
