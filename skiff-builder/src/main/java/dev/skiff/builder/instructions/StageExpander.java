package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.DockerfileException;
import dev.skiff.builder.dockerfile.ShellLexer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Expands a stage's variables the way BuildKit's {@code dockerfile2llb} does.
 *
 * <ul>
 *   <li>Global ARGs (before the first FROM) start from the predefined platform args
 *       (BUILDPLATFORM, BUILDOS, BUILDARCH, BUILDVARIANT, BUILDOSVERSION, TARGETPLATFORM, TARGETOS,
 *       TARGETARCH, TARGETVARIANT, TARGETOSVERSION, TARGETSTAGE), which build args may override;
 *       each global ARG takes its build arg, else its expanded default, else stays unset.</li>
 *   <li>FROM's image and {@code --platform} are expanded with the global args only.</li>
 *   <li>Inside a stage nothing global is visible until an ARG names it again. An ARG takes its
 *       build arg, else its default expanded with the stage's variables, else the global value;
 *       an ARG with a value becomes a variable of the stage, like ENV.</li>
 *   <li>Expanded: ENV and LABEL keys and values, ADD and COPY sources, destination,
 *       {@code --chown}, {@code --chmod} (and ADD's {@code --checksum}), the bodies of unquoted
 *       heredoc sources, WORKDIR, USER, VOLUME, STOPSIGNAL, EXPOSE (split into words), and each
 *       RUN {@code --mount} value. RUN, CMD, ENTRYPOINT, HEALTHCHECK, SHELL, ONBUILD, MAINTAINER
 *       and {@code COPY --from} are left as written: the shell or a later build expands them.</li>
 *   <li>All words of one ENV see the variables from before that ENV: {@code ENV a=1 b=$a} sets b
 *       to the old a.</li>
 *   <li>A stage FROM another stage starts with that stage's variables; a stage FROM an image starts
 *       with the image's ENV, plus a default PATH when the image has none (not on Windows).</li>
 * </ul>
 *
 * Proxy build args ({@code HTTP_PROXY}...) are not variables of any stage; see
 * {@link BuildOptions#proxyEnvironment()}.
 */
public final class StageExpander {
    /** BuildKit's default PATH for Linux images that set none. */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** Build args BuildKit reads itself and never turns into variables. */
    private static final Set<String> NON_ENV_ARGS = Set.of("BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE");

    private final Stages stages;
    private final BuildOptions options;
    private final ShellLexer lexer;
    private final ShellLexer rawLexer;
    private final Map<String, String> globalArgs;

    /**
     * @throws InstructionException when a global ARG's default cannot be expanded
     */
    public StageExpander(Stages stages, BuildOptions options) {
        this.stages = stages;
        this.options = options;
        this.lexer = ShellLexer.withEscape(stages.escapeToken());
        this.rawLexer = ShellLexer.withEscape('\\').withSkipProcessQuotes(true);
        this.globalArgs = Map.copyOf(computeGlobalArgs());
    }

    /** The variables FROM lines see: predefined platform args and the global ARGs, with build args applied. */
    public Map<String, String> globalArgs() {
        return globalArgs;
    }

    private Map<String, String> computeGlobalArgs() {
        Map<String, String> args = new LinkedHashMap<>();
        Platform build = options.buildPlatform();
        Platform target = options.targetPlatform();
        String targetStage = options.target().filter(t -> !t.isEmpty())
                .or(() -> stages.stages().getLast().name()).orElse("default");
        putDefault(args, "BUILDPLATFORM", build.format());
        putDefault(args, "BUILDOS", build.os());
        putDefault(args, "BUILDOSVERSION", "");
        putDefault(args, "BUILDARCH", build.architecture());
        putDefault(args, "BUILDVARIANT", build.variant().orElse(""));
        putDefault(args, "TARGETPLATFORM", target.format());
        putDefault(args, "TARGETOS", target.os());
        putDefault(args, "TARGETOSVERSION", "");
        putDefault(args, "TARGETARCH", target.architecture());
        putDefault(args, "TARGETVARIANT", target.variant().orElse(""));
        putDefault(args, "TARGETSTAGE", targetStage);
        for (Command.Arg arg : stages.globalArgs()) {
            for (Command.ArgDefinition def : arg.definitions()) {
                String value = options.buildArgs().get(def.name());
                if (value == null && def.defaultValue().isPresent()) {
                    value = expand(def.defaultValue().get(), args, arg.location());
                }
                if (value != null) {
                    args.put(def.name(), value);
                }
            }
        }
        return args;
    }

    private void putDefault(Map<String, String> args, String name, String value) {
        args.put(name, options.buildArgs().getOrDefault(name, value));
    }

    /**
     * The stage's FROM with image and platform expanded with the global args.
     *
     * @throws InstructionException when the image expands to nothing or the platform is not one
     */
    public Command.From from(Stage stage) {
        Command.From from = stage.from();
        String image = expand(from.image(), globalArgs, from.location());
        if (image.isEmpty()) {
            throw new InstructionException(from.location(), "base name (" + from.image() + ") should not be blank;"
                    + " give the ARG it uses a value (ARG name=value before FROM, or --build-arg)");
        }
        Optional<String> platform = Optional.empty();
        if (from.platform().isPresent()) {
            String p = expand(from.platform().get(), globalArgs, from.location());
            if (p.isEmpty()) {
                throw new InstructionException(from.location(), "empty platform value from expression "
                        + from.platform().get() + "; give it a value such as linux/amd64 or $BUILDPLATFORM");
            }
            try {
                Platform.parse(p);
            } catch (DockerfileException e) {
                throw new InstructionException(from.location(), "failed to parse platform "
                        + from.platform().get() + ": " + e.getMessage());
            }
            platform = Optional.of(p);
        }
        return new Command.From(image, platform, from.stageName(), from.location());
    }

    /** The stage graph with FROM lines expanded, so {@code FROM ${BASE}} can name a stage. */
    public StageGraph graph() {
        return StageGraph.of(stages, stages.stages().stream().map(s -> from(s).image()).toList());
    }

    /**
     * Expands one stage. When its FROM names an earlier stage, that stage is expanded first and its
     * final variables are where this one starts; {@code imageEnvironment} is the ENV of the image
     * at the root of that chain (empty for scratch).
     *
     * @throws InstructionException naming the instruction whose words cannot be expanded
     */
    public ExpandedStage expand(Stage stage, Map<String, String> imageEnvironment) {
        Command.From from = from(stage);
        Platform platform = from.platform().map(Platform::parse).orElse(options.targetPlatform());
        Map<String, String> env = new LinkedHashMap<>();
        Optional<Stage> base = stages.stages().subList(0, stage.index()).stream()
                .filter(s -> s.name().filter(from.image()::equals).isPresent())
                .reduce((a, b) -> b);
        if (base.isPresent()) {
            env.putAll(expand(base.get(), imageEnvironment).environment());
        } else {
            env.putAll(imageEnvironment);
        }
        if (!env.containsKey("PATH") && !platform.os().equals("windows")) {
            env.put("PATH", DEFAULT_PATH);
        }
        List<ExpandedStage.Step> steps = new ArrayList<>();
        for (Command command : stage.commands()) {
            try {
                steps.add(step(command, env));
            } catch (InstructionException e) {
                throw e;
            } catch (DockerfileException e) {
                throw new InstructionException(command.location(), e.getMessage());
            }
        }
        return new ExpandedStage(stage, from, platform, steps, env);
    }

    /** Expands one command with {@code env} and applies its effect on {@code env} (ENV, ARG). */
    private ExpandedStage.Step step(Command command, Map<String, String> env) {
        Map<String, String> before = Map.copyOf(env);
        UnaryOperator<String> x = word -> lexer.processWord(word, ShellLexer.Environment.of(before));
        UnaryOperator<String> raw = word -> rawLexer.processWord(word, ShellLexer.Environment.of(before));
        List<RunMount> mounts = List.of();
        Command expanded = switch (command) {
            case Command.Env e -> {
                List<Command.KeyValue> pairs = e.pairs().stream()
                        .map(p -> new Command.KeyValue(x.apply(p.key()), x.apply(p.value()))).toList();
                pairs.forEach(p -> env.put(p.key(), p.value()));
                yield new Command.Env(pairs, e.location());
            }
            case Command.Label l -> new Command.Label(l.pairs().stream()
                    .map(p -> new Command.KeyValue(x.apply(p.key()), x.apply(p.value()))).toList(), l.location());
            case Command.Arg a -> arg(a, env);
            case Command.Copy c -> new Command.Copy(c.sources().stream().map(x).toList(), inline(c.inlineSources(), raw),
                    x.apply(c.destination()), c.from(), nonEmpty(c.chown().map(x)), nonEmpty(c.chmod().map(x)), c.link(),
                    c.excludes(), c.parents(), c.location());
            case Command.Add a -> new Command.Add(a.sources().stream().map(x).toList(), inline(a.inlineSources(), raw),
                    x.apply(a.destination()), nonEmpty(a.chown().map(x)), nonEmpty(a.chmod().map(x)), a.link(),
                    a.excludes(), nonEmpty(a.checksum().map(x)), a.keepGitDir(), a.unpack(), a.location());
            case Command.Workdir w -> new Command.Workdir(x.apply(w.path()), w.location());
            case Command.User u -> new Command.User(x.apply(u.user()), u.location());
            case Command.Volume v -> new Command.Volume(v.paths().stream().map(x).toList(), v.location());
            case Command.Stopsignal s -> new Command.Stopsignal(x.apply(s.signal()), s.location());
            case Command.Expose e -> new Command.Expose(e.ports().stream()
                    .flatMap(p -> lexer.processWords(p, ShellLexer.Environment.of(before)).stream()).toList(),
                    e.location());
            case Command.Run r -> {
                mounts = r.mountSpecs().stream().map(spec -> RunMount.parse(spec, x)).toList();
                yield r;
            }
            case Command.From f -> f; // cannot occur inside a stage
            case Command.Cmd c -> c;
            case Command.Entrypoint e -> e;
            case Command.Healthcheck h -> h;
            case Command.Shell s -> s;
            case Command.Onbuild o -> o;
            case Command.Maintainer m -> m;
        };
        return new ExpandedStage.Step(expanded, before, mounts);
    }

    /** BuildKit's dispatchArg: build arg, else expanded default, else the global value. */
    private Command.Arg arg(Command.Arg arg, Map<String, String> env) {
        List<Command.ArgDefinition> taken = new ArrayList<>();
        for (Command.ArgDefinition def : arg.definitions()) {
            String value;
            if (options.buildArgs().containsKey(def.name())) {
                value = options.buildArgs().get(def.name());
            } else if (def.defaultValue().isPresent()) {
                value = lexer.processWord(def.defaultValue().get(), ShellLexer.Environment.of(env));
            } else {
                value = globalArgs.get(def.name());
            }
            if (value != null && !NON_ENV_ARGS.contains(def.name())) {
                env.put(def.name(), value);
            }
            taken.add(new Command.ArgDefinition(def.name(), Optional.ofNullable(value)));
        }
        return new Command.Arg(taken, arg.location());
    }

    private static List<Command.InlineSource> inline(List<Command.InlineSource> sources, UnaryOperator<String> raw) {
        return sources.stream()
                .map(s -> s.expand() ? new Command.InlineSource(s.path(), raw.apply(s.data()), true) : s)
                .toList();
    }

    private static Optional<String> nonEmpty(Optional<String> value) {
        return value.filter(v -> !v.isEmpty());
    }

    private String expand(String word, Map<String, String> env, Location location) {
        try {
            return lexer.processWord(word, ShellLexer.Environment.of(env));
        } catch (DockerfileException e) {
            throw new InstructionException(location, e.getMessage());
        }
    }
}
