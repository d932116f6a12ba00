package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.Dockerfile;
import dev.skiff.builder.dockerfile.DockerfileException;
import dev.skiff.builder.dockerfile.Instruction;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A Dockerfile as stages: the global ARGs before the first FROM, then one {@link Stage} per FROM,
 * as BuildKit's {@code instructions.Parse} groups them.
 *
 * @param globalArgs  ARG lines before the first FROM; their values are visible to FROM lines
 *                    only, unless a stage declares the name again
 * @param escapeToken the file's escape character, which variable expansion needs
 */
public record Stages(List<Command.Arg> globalArgs, List<Stage> stages, char escapeToken) {

    public Stages {
        globalArgs = List.copyOf(globalArgs);
        stages = List.copyOf(stages);
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("a Dockerfile has at least one stage");
        }
    }

    /**
     * Types every instruction and groups them.
     *
     * @throws InstructionException for the first instruction that is not valid, for an instruction
     *                              other than ARG before the first FROM, and for a file without FROM
     */
    public static Stages of(Dockerfile dockerfile) {
        List<Command.Arg> globalArgs = new ArrayList<>();
        List<Stage> stages = new ArrayList<>();
        Command.From from = null;
        List<Command> commands = new ArrayList<>();
        for (Instruction instruction : dockerfile.instructions()) {
            Command command = CommandParser.parse(instruction);
            if (command instanceof Command.From f) {
                if (from != null) {
                    stages.add(new Stage(stages.size(), from, commands));
                }
                from = f;
                commands = new ArrayList<>();
            } else if (from == null) {
                if (!(command instanceof Command.Arg arg)) {
                    throw new InstructionException(command.location(), "no build stage in current context;"
                            + " a Dockerfile must start with FROM (only ARG may come before it)");
                }
                globalArgs.add(arg);
            } else {
                commands.add(command);
            }
        }
        if (from == null) {
            Instruction last = dockerfile.instructions().getLast();
            throw new InstructionException(Location.of(last),
                    "dockerfile contains no stages to build; add a FROM instruction");
        }
        stages.add(new Stage(stages.size(), from, commands));
        return new Stages(globalArgs, stages, dockerfile.escapeToken());
    }

    /**
     * The stage with this name, ignoring case. When two stages share a name, the later one wins, as
     * in BuildKit (which only warns about the duplicate).
     */
    public Optional<Stage> byName(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        Stage found = null;
        for (Stage stage : stages) {
            if (stage.name().filter(wanted::equals).isPresent()) {
                found = stage;
            }
        }
        return Optional.ofNullable(found);
    }

    /** The stage {@code --target} names, or the last stage when no target is given. */
    public Stage target(Optional<String> target) {
        if (target.isEmpty() || target.get().isEmpty()) {
            return stages.getLast();
        }
        return byName(target.get()).orElseThrow(() -> new DockerfileException(
                Suggest.withSuggestion("target stage " + GoStrings.quote(target.get()) + " could not be found",
                        target.get(), names(), true) + "; the stages are: " + String.join(", ", names())));
    }

    List<String> names() {
        return stages.stream().map(Stage::name).flatMap(Optional::stream).toList();
    }

    /** The dependency graph with FROM lines read as written (no variables in base names). */
    public StageGraph graph() {
        return StageGraph.of(this, stages.stream().map(s -> s.from().image()).toList());
    }
}
