package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.DockerfileException;
import dev.skiff.builder.dockerfile.ShellLexer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which stages each stage needs, so a builder builds only what the target needs and builds
 * independent stages at the same time. A stage needs its base when FROM names an earlier stage,
 * the stages named by {@code COPY --from} (a name or an index, earlier stages only) and by
 * {@code RUN --mount=from=}. A name that is no stage is an image reference, as in BuildKit.
 */
public final class StageGraph {
    /** FROM scratch starts from nothing; it is not an image to pull. */
    public static final String SCRATCH = "scratch";

    private final Stages stages;
    private final List<Optional<Integer>> bases = new ArrayList<>();
    private final List<Set<Integer>> dependencies = new ArrayList<>();
    private final List<Set<String>> images = new ArrayList<>();

    private StageGraph(Stages stages) {
        this.stages = stages;
    }

    /**
     * @param baseNames each stage's FROM image after expansion with the global ARGs, in stage order
     * @throws InstructionException for a {@code --from} with a variable, a bad stage index, a copy
     *                              from a stage that is not defined before, or a dependency cycle
     */
    public static StageGraph of(Stages stages, List<String> baseNames) {
        if (baseNames.size() != stages.stages().size()) {
            throw new IllegalArgumentException("one base name per stage");
        }
        StageGraph graph = new StageGraph(stages);
        ShellLexer lexer = ShellLexer.withEscape(stages.escapeToken());
        for (Stage stage : stages.stages()) {
            Set<Integer> deps = new TreeSet<>();
            Set<String> refs = new LinkedHashSet<>();
            String base = baseNames.get(stage.index());
            // BuildKit looks the expanded FROM up among the earlier stages' (lower-cased) names as it is.
            Optional<Integer> baseStage = stages.stages().subList(0, stage.index()).stream()
                    .filter(s -> s.name().filter(base::equals).isPresent())
                    .map(Stage::index).reduce((a, b) -> b);
            baseStage.ifPresentOrElse(deps::add, () -> {
                if (!base.equalsIgnoreCase(SCRATCH)) {
                    refs.add(base);
                }
            });
            for (Command command : stage.commands()) {
                switch (command) {
                    case Command.Copy copy when copy.from().isPresent() ->
                            graph.copySource(stage, copy, lexer).ifPresentOrElse(deps::add,
                                    () -> refs.add(copy.from().get()));
                    case Command.Run run -> {
                        try {
                            for (String from : run.mountSources()) {
                                stages.byName(from).ifPresentOrElse(s -> deps.add(s.index()), () -> refs.add(from));
                            }
                        } catch (DockerfileException e) {
                            throw new InstructionException(run.location(), e.getMessage());
                        }
                    }
                    default -> {
                    }
                }
            }
            graph.bases.add(baseStage);
            graph.dependencies.add(Collections.unmodifiableSet(deps));
            graph.images.add(Collections.unmodifiableSet(refs));
        }
        graph.checkNoCycle();
        return graph;
    }

    private Optional<Integer> copySource(Stage stage, Command.Copy copy, ShellLexer lexer) {
        String from = copy.from().orElseThrow();
        String plain;
        try {
            plain = lexer.processWord(from, ShellLexer.Environment.empty());
        } catch (DockerfileException e) {
            plain = null;
        }
        if (!from.equals(plain)) {
            throw new InstructionException(copy.location(), "variable expansion is not supported for --from,"
                    + " define a new stage with FROM using ARG from global scope as a workaround");
        }
        Optional<Stage> source;
        if (from.matches("[+-]?[0-9]+")) {
            int index;
            try {
                index = Integer.parseInt(from);
            } catch (NumberFormatException e) {
                index = -1;
            }
            if (index < 0 || index >= stages.stages().size()) {
                throw new InstructionException(copy.location(), "invalid stage index " + from
                        + "; stages are numbered from 0 to " + (stages.stages().size() - 1));
            }
            source = Optional.of(stages.stages().get(index));
        } else {
            source = stages.byName(from);
        }
        if (source.isEmpty()) {
            return Optional.empty();
        }
        if (source.get().index() >= stage.index()) {
            throw new InstructionException(copy.location(), "cannot copy from stage " + GoStrings.quote(from)
                    + ", it needs to be defined before current stage " + GoStrings.quote(stage.displayName()));
        }
        return Optional.of(source.get().index());
    }

    private void checkNoCycle() {
        int n = dependencies.size();
        int[] state = new int[n]; // 0 new, 1 on the path, 2 done
        for (int i = 0; i < n; i++) {
            visit(i, state);
        }
    }

    private void visit(int i, int[] state) {
        if (state[i] == 2) {
            return;
        }
        if (state[i] == 1) {
            Stage stage = stages.stages().get(i);
            throw new InstructionException(stage.from().location(),
                    "circular dependency detected on stage: " + stage.displayName());
        }
        state[i] = 1;
        for (int dep : dependencies.get(i)) {
            visit(dep, state);
        }
        state[i] = 2;
    }

    /** The earlier stage this stage's FROM names, if it names one. */
    public Optional<Stage> baseStage(Stage stage) {
        return bases.get(stage.index()).map(stages.stages()::get);
    }

    /** The stages this stage needs directly, in stage order. */
    public List<Stage> dependencies(Stage stage) {
        return dependencies.get(stage.index()).stream().map(stages.stages()::get).toList();
    }

    /** Image references this stage needs directly: its base image, {@code --from} images, mount images. */
    public Set<String> images(Stage stage) {
        return images.get(stage.index());
    }

    /** The target and every stage it needs, in stage order; the others need not be built. */
    public List<Stage> required(Stage target) {
        Set<Integer> seen = new TreeSet<>();
        collect(target.index(), seen);
        return seen.stream().map(stages.stages()::get).toList();
    }

    /** 0 for a stage that needs no stage, else one more than its deepest dependency (no cycles here). */
    private int level(int i, int[] memo) {
        if (memo[i] < 0) {
            int l = 0;
            for (int dep : dependencies.get(i)) {
                l = Math.max(l, level(dep, memo) + 1);
            }
            memo[i] = l;
        }
        return memo[i];
    }

    private void collect(int i, Set<Integer> seen) {
        if (seen.add(i)) {
            dependencies.get(i).forEach(d -> collect(d, seen));
        }
    }

    /**
     * The stages the target needs, in waves: a wave's stages need only stages of earlier waves, so
     * each wave's stages can be built in parallel once the previous waves are done.
     */
    public List<List<Stage>> waves(Stage target) {
        List<Stage> needed = required(target);
        int[] level = new int[stages.stages().size()];
        java.util.Arrays.fill(level, -1);
        List<List<Stage>> waves = new ArrayList<>();
        for (Stage stage : needed) {
            int l = level(stage.index(), level);
            while (waves.size() <= l) {
                waves.add(new ArrayList<>());
            }
            waves.get(l).add(stage);
        }
        return waves.stream().map(List::copyOf).toList();
    }
}
