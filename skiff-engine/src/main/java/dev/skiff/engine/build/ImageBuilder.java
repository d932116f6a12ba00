package dev.skiff.engine.build;

import dev.skiff.builder.context.DockerIgnore;
import dev.skiff.builder.context.DockerIgnoreException;
import dev.skiff.builder.dockerfile.Dockerfile;
import dev.skiff.builder.dockerfile.DockerfileException;
import dev.skiff.builder.dockerfile.DockerfileParser;
import dev.skiff.builder.dockerfile.Heredoc;
import dev.skiff.builder.instructions.BuildOptions;
import dev.skiff.builder.instructions.Command;
import dev.skiff.builder.instructions.ExpandedStage;
import dev.skiff.builder.instructions.Platform;
import dev.skiff.builder.instructions.Stage;
import dev.skiff.builder.instructions.StageExpander;
import dev.skiff.builder.instructions.StageGraph;
import dev.skiff.builder.instructions.Stages;
import dev.skiff.engine.EngineException;
import dev.skiff.engine.containers.Container;
import dev.skiff.engine.containers.ContainerCommitter;
import dev.skiff.engine.containers.ContainerConfig;
import dev.skiff.engine.containers.ContainerEngine;
import dev.skiff.engine.containers.ContainerFiles;
import dev.skiff.engine.containers.HostConfig;
import dev.skiff.engine.containers.LogOptions;
import dev.skiff.engine.containers.WaitCondition;
import dev.skiff.engine.content.ContentStore;
import dev.skiff.engine.images.Image;
import dev.skiff.engine.images.ImageConfig;
import dev.skiff.engine.images.ImageConfigCodec;
import dev.skiff.engine.images.ImageImporter;
import dev.skiff.engine.images.ImageNotFoundException;
import dev.skiff.engine.images.ImageParents;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.engine.images.Layer;
import dev.skiff.engine.images.ReferenceSyntax;
import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.MediaTypes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * Runs a Dockerfile as dockerd's classic builder does, one step at a time, each step an image:
 * FROM takes a local image (or {@code scratch}, or an earlier stage), or pulls one that is not here
 * when a {@link Puller} is set (and, with {@code --pull}, always asks the registry); RUN runs in a container of the
 * step's parent image, through the same runtime and default network as {@code run}, and its changes
 * become a layer; COPY and ADD write the context's files into a created, never started container's
 * overlay, whose changes become a layer; every other instruction changes the config only
 * ({@code empty_layer}). A step whose key ({@link BuildCache}) was seen before reuses its image.
 * Intermediate containers are removed whatever happens; tags are set only when everything worked.
 */
public final class ImageBuilder {
    private static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");

    private final ContainerEngine engine;
    private final ContainerCommitter committer;
    private final ContainerFiles files;
    private final ContentStore content;
    private final ImageStore images;
    private final ReferenceSyntax references;
    private final BuildCache cache;
    private final ImageParents parents;
    /**
     * What a {@code COPY --from} of an image copies, by image ID and sources: an image never changes, so
     * a rebuild's cached COPY --from need not mount it again to checksum the same files.
     */
    private final Map<String, String> fromChecksums = new java.util.concurrent.ConcurrentHashMap<>();

    /** How a build gets an image from a registry: the daemon's pull. */
    @FunctionalInterface
    public interface Puller {
        void pull(dev.skiff.formats.ImageReference reference, Optional<dev.skiff.engine.distribution.Credentials> credentials,
                  java.util.function.Consumer<dev.skiff.engine.distribution.PullProgress> progress);
    }

    private volatile Optional<Puller> puller = Optional.empty();

    /**
     * What each running build has pulled, by the request's identity: an image a build names in several
     * places (two FROMs, stages building at once, a RUN mount's key and then its copy) is pulled once.
     */
    private final Map<BuildRequest, Map<String, java.util.concurrent.atomic.AtomicBoolean>> pulledBy =
            java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    /** Pull with {@code puller} what a build names and lacks (or, with --pull, everything it names); without one, local images only. */
    public void pullWith(Puller puller) {
        this.puller = Optional.of(puller);
    }

    public ImageBuilder(ContainerEngine engine, ContainerCommitter committer, ContainerFiles files, ContentStore content,
                        ImageStore images, ReferenceSyntax references, BuildCache cache, ImageParents parents) {
        this.parents = parents;
        this.engine = engine;
        this.committer = committer;
        this.files = files;
        this.content = content;
        this.images = images;
        this.references = references;
        this.cache = cache;
    }

    /** What a stage has at a given step: the image so far and what the image config cannot hold. */
    private static final class State {
        Image image;
        List<String> shell = DEFAULT_SHELL;
        boolean cmdSet;
        String author = "";
        /** {@code SOURCE_DATE_EPOCH}: the time of every history entry, and the latest of any file in a layer. */
        Optional<Instant> epoch = Optional.empty();
        /** The stage's ARGs with a value, by name: what a RUN's history shows. */
        final Map<String, String> args = new TreeMap<>();

        State(Image image) {
            this.image = image;
        }

        /** A base image whose ONBUILD triggers have run: no image made from it here inherits them. */
        Optional<Digest> triggered = Optional.empty();

        ImageConfig.ContainerConfig config() {
            ImageConfig.ContainerConfig c = image.config().config();
            if (triggered.filter(image.id()::equals).isPresent()) {
                c = c.withOnBuild(List.of());
            }
            if (c.env().stream().noneMatch(e -> e.startsWith("PATH="))) {
                // dockerd's builder gives a base without PATH (scratch, an import) the default one
                List<String> env = new ArrayList<>(c.env());
                env.add("PATH=" + StageExpander.DEFAULT_PATH);
                c = c.withEnv(env);
            }
            return c;
        }
    }

    /**
     * Builds the target stage of {@code request} and tags it.
     *
     * @throws BuildException with the classic builder's message when the build stops
     */
    public Image build(BuildRequest request, BuildOutput out) {
        pulledBy.put(request, new java.util.concurrent.ConcurrentHashMap<>());
        try {
            return run(request, out);
        } catch (BuildException e) {
            throw e;
        } catch (ImageNotFoundException e) {
            throw new BuildException(e.getMessage() + " (skiff builds from local images only: pull, load or build it first)", e);
        } catch (DockerfileException e) {
            // dockerd's words for a Dockerfile it cannot read: "dockerfile parse error line 2: unknown instruction: NOPE"
            String message = e.getMessage();
            throw new BuildException(message.startsWith("line ") ? "dockerfile parse error " + message : message);
        } catch (EngineException | FormatException e) {
            throw new BuildException(e.getMessage(), e);
        } catch (IOException e) {
            throw new BuildException("build failed: " + e.getMessage(), e);
        } finally {
            pulledBy.remove(request);
        }
    }

    private Image run(BuildRequest request, BuildOutput out) throws IOException {
        List<String> tags = new ArrayList<>();
        for (String tag : request.tags()) {
            try {
                tags.add(references.normalize(tag));
            } catch (IllegalArgumentException e) {
                throw new BuildException("invalid tag " + tag + ": " + e.getMessage()
                        + " (a tag is name[:tag], lower case, e.g. myapp:1.0)");
            }
        }
        Path context = request.contextDir();
        Path dockerfilePath = context.resolve(request.dockerfile()).normalize();
        if (!dockerfilePath.startsWith(context.normalize()) || !Files.isRegularFile(dockerfilePath)) {
            throw new BuildException("Cannot locate specified Dockerfile: " + request.dockerfile()
                    + " (it must be a file inside the build context)");
        }
        Dockerfile dockerfile = DockerfileParser.parse(Files.readString(dockerfilePath, StandardCharsets.UTF_8));
        if (dockerfile.instructions().isEmpty()) {
            throw new BuildException("the Dockerfile (" + request.dockerfile() + ") cannot be empty");
        }
        Stages stages = Stages.of(dockerfile);
        BuildOptions options = BuildOptions.forPlatform(Platform.of("linux", architecture()), request.buildArgs());
        if (request.target().isPresent() && !request.target().get().isEmpty()) {
            options = options.withTarget(request.target().get());
        }
        StageExpander expander = new StageExpander(stages, options);
        Stage target = stages.target(options.target());
        StageGraph graph = expander.graph();
        List<Stage> needed = graph.required(target);
        DockerIgnore ignore;
        try {
            ignore = DockerIgnore.load(context, dockerfilePath);
        } catch (DockerIgnoreException e) {
            throw new BuildException(e.getMessage());
        }
        CopySources contextSources = new CopySources(context, ignore);

        int total = needed.stream().mapToInt(s -> 1 + s.commands().size()).sum() + (request.labels().isEmpty() ? 0 : 1);
        State state = buildStages(needed, total, graph, expander, request, contextSources, stages, out);
        int[] step = {total - (request.labels().isEmpty() ? 0 : 1)};
        if (!request.labels().isEmpty()) {
            String text = "LABEL " + request.labels().entrySet().stream()
                    .map(e -> quoteIfNeeded(e.getKey()) + "=" + quoteIfNeeded(e.getValue())).collect(Collectors.joining(" "));
            out.stream("Step " + (++step[0]) + "/" + total + " : " + text);
            out.stream("\n");
            Map<String, String> labels = new TreeMap<>(state.config().labels());
            labels.putAll(request.labels());
            configStep(state, text, state.config().withLabels(labels), request, out);
            out.stream(" ---> " + state.image.shortId() + "\n");
        }
        Image result = state.image;
        java.util.Set<String> consumed = new java.util.HashSet<>();
        stages.globalArgs().forEach(a -> a.definitions().forEach(d -> consumed.add(d.name())));
        needed.forEach(st -> st.commands().forEach(c -> {
            if (c instanceof Command.Arg a) {
                a.definitions().forEach(d -> consumed.add(d.name()));
            }
        }));
        Map<String, String> proxies = options.proxyEnvironment();
        List<String> unused = request.buildArgs().keySet().stream().filter(k -> !consumed.contains(k))
                .filter(k -> !proxies.containsKey(k)).filter(k -> !k.equals("SOURCE_DATE_EPOCH")).sorted().toList();
        if (!unused.isEmpty()) {
            out.stream("[Warning] One or more build-args [" + String.join(" ", unused) + "] were not consumed\n");
        }
        out.built(result.id());
        out.stream("Successfully built " + result.shortId() + "\n");
        for (String tag : tags) {
            images.tag(result.id(), tag);
            out.stream("Successfully tagged " + references.familiar(tag) + "\n");
        }
        return images.byId(result.id()).orElse(result);
    }

    private void step(State state, ExpandedStage.Step step, BuildRequest request, CopySources contextSources,
                      Map<Integer, Image> built, Stages stages, BuildOutput out) throws IOException {
        ImageConfig.ContainerConfig c = state.config();
        switch (step.command()) {
            case Command.Env e -> {
                Map<String, String> env = envMap(c.env());
                e.pairs().forEach(p -> env.put(p.key(), p.value()));
                configStep(state, "ENV " + e.pairs().stream().map(p -> p.key() + "=" + p.value())
                        .collect(Collectors.joining(" ")), c.withEnv(envList(env)), request, out);
            }
            case Command.Label l -> {
                Map<String, String> labels = new TreeMap<>(c.labels());
                l.pairs().forEach(p -> labels.put(p.key(), p.value()));
                configStep(state, "LABEL " + l.pairs().stream().map(p -> p.key() + "=" + p.value())
                        .collect(Collectors.joining(" ")), c.withLabels(labels), request, out);
            }
            // history shows the ARG as written (its default, not the value taken); the value is in a RUN's key
            case Command.Arg a -> {
                a.definitions().forEach(d -> d.defaultValue().ifPresent(v -> state.args.put(d.name(), v)));
                configStep(state, "ARG " + a.location().text().replaceFirst("(?is)^\\s*ARG\\s+", ""), c, request, out);
            }
            case Command.Expose e -> {
                TreeSet<String> ports = new TreeSet<>(c.exposedPorts());
                for (String p : e.ports()) {
                    ports.addAll(ports(p));
                }
                configStep(state, "EXPOSE " + String.join(" ", e.ports()), c.withExposedPorts(ports), request, out);
            }
            case Command.User u -> configStep(state, "USER " + u.user(), c.withUser(u.user()), request, out);
            case Command.Volume v -> {
                TreeSet<String> volumes = new TreeSet<>(c.volumes());
                for (String p : v.paths()) {
                    if (p.isBlank()) {
                        throw new BuildException("VOLUME specified can not be an empty string");
                    }
                    volumes.add(p);
                }
                configStep(state, "VOLUME [" + String.join(" ", v.paths()) + "]", c.withVolumes(volumes), request, out);
            }
            case Command.Stopsignal s -> configStep(state, "STOPSIGNAL " + s.signal(), c.withStopSignal(s.signal()), request, out);
            case Command.Cmd cmd -> {
                List<String> args = commandLine(cmd.command(), state.shell);
                state.cmdSet = true;
                configStep(state, "CMD " + goQuoted(args), c.withCmd(args), request, out);
            }
            case Command.Entrypoint ep -> {
                List<String> args = ep.command().shellForm() && ep.command().args().stream().allMatch(String::isEmpty)
                        ? List.of() : commandLine(ep.command(), state.shell);
                ImageConfig.ContainerConfig next = c.withEntrypoint(args);
                if (!state.cmdSet) {
                    next = next.withCmd(List.of()); // an ENTRYPOINT drops the base image's CMD
                }
                configStep(state, "ENTRYPOINT " + goQuoted(args), next, request, out);
            }
            case Command.Shell s -> {
                state.shell = s.shell();
                configStep(state, "SHELL [" + String.join(" ", s.shell()) + "]", c, request, out);
            }
            case Command.Healthcheck h -> {
                ImageConfig.HealthConfig health = new ImageConfig.HealthConfig(h.test(), h.interval(), h.timeout(),
                        h.startPeriod(), h.startInterval(), h.retries());
                configStep(state, "HEALTHCHECK &{" + goQuoted(h.test()) + " \"" + goDuration(h.interval()) + "\" \""
                        + goDuration(h.timeout()) + "\" \"" + goDuration(h.startPeriod()) + "\" '"
                        + String.format("\\x%02x", h.retries() & 0xff) + "'}",
                        c.withHealthcheck(Optional.of(health)), request, out);
            }
            case Command.Onbuild o -> {
                List<String> triggers = new ArrayList<>(c.onBuild());
                triggers.add(o.expression());
                configStep(state, "ONBUILD " + o.expression(), c.withOnBuild(triggers), request, out);
            }
            case Command.Maintainer m -> {
                state.author = m.name();
                configStep(state, "MAINTAINER " + m.name(), c, request, out);
            }
            case Command.Workdir w -> workdir(state, w, request, out);
            case Command.Run r -> run(state, step, r, request, out, contextSources, built, stages);
            case Command.Copy cp -> {
                if (!cp.inlineSources().isEmpty()) {
                    if (cp.from().isPresent() && !cp.sources().isEmpty()) {
                        throw new BuildException("COPY --from of here-documents and files at once: a here-document is not in "
                                + cp.from().get() + "; give the files a COPY --from of their own");
                    }
                    copyInline(state, "COPY", cp.sources(), cp.inlineSources(), cp.destination(), cp.chown(), cp.chmod(),
                            contextSources, request, out);
                } else {
                    Optional<Image> fromImage = cp.from().map(f -> stageOrImage(f, built, stages, request, out));
                    // --link gives the same files; it only lets BuildKit rebase the layer, which the classic cache never does
                    copy(state, "COPY", cp.sources(), cp.destination(), cp.chown(), cp.chmod(), fromImage, contextSources, request, out,
                            new FileCopier.Flags(cp.excludes(), cp.parents(), true));
                }
            }
            case Command.Add a -> {
                if (a.sources().stream().anyMatch(Downloads::isGit)) {
                    addGit(state, a, request, out);
                } else if (a.sources().stream().anyMatch(Downloads::isUrl)) {
                    addUrls(state, a, request, out);
                } else if (a.checksum().isPresent()) {
                    throw new BuildException("ADD --checksum can't be specified for non-HTTP(S) sources: it checks a download, "
                            + "and " + String.join(" ", a.sources()) + " is in the context");
                } else if (!a.inlineSources().isEmpty()) {
                    copyInline(state, "ADD", a.sources(), a.inlineSources(), a.destination(), a.chown(), a.chmod(), contextSources,
                            request, out);
                } else {
                    copy(state, "ADD", a.sources(), a.destination(), a.chown(), a.chmod(), Optional.empty(), contextSources, request, out,
                            new FileCopier.Flags(a.excludes(), false, a.unpack().orElse(true)));
                }
            }
            case Command.From f -> throw new IllegalStateException("FROM inside a stage: " + f);
        }
    }

    /**
     * Builds the needed stages, each as soon as the stages it needs are built, on a virtual thread of
     * its own: stages that need nothing of each other build at once. The output is the classic
     * builder's, stage after stage in Dockerfile order: a stage's lines are held back until the stages
     * before it have printed theirs. The first stage (in that order) that fails fails the build, after
     * every stage still running has stopped, and stages after it are stopped early. Returns the last
     * stage's state: the target's.
     */
    private State buildStages(List<Stage> needed, int total, StageGraph graph, StageExpander expander, BuildRequest request,
                              CopySources contextSources, Stages stages, BuildOutput out) {
        int n = needed.size();
        int[] firstStep = new int[n];
        for (int k = 1; k < n; k++) {
            firstStep[k] = firstStep[k - 1] + 1 + needed.get(k - 1).commands().size();
        }
        Map<Integer, Image> built = new java.util.concurrent.ConcurrentHashMap<>();
        Map<Integer, Map<String, String>> rootEnvs = new java.util.concurrent.ConcurrentHashMap<>();
        Map<Integer, java.util.concurrent.CompletableFuture<State>> done = new HashMap<>();
        needed.forEach(st -> done.put(st.index(), new java.util.concurrent.CompletableFuture<>()));
        InOrder relay = new InOrder(out, n);
        List<java.util.concurrent.Future<?>> tasks = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger firstFailure = new java.util.concurrent.atomic.AtomicInteger(Integer.MAX_VALUE);
        try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int k = 0; k < n; k++) {
                Stage stage = needed.get(k);
                int slot = k;
                tasks.add(executor.submit(() -> {
                    java.util.concurrent.CompletableFuture<State> mine = done.get(stage.index());
                    try {
                        for (Stage dep : graph.dependencies(stage)) {
                            java.util.concurrent.CompletableFuture<State> before = done.get(dep.index());
                            if (before != null && before.handle((v, e) -> e).join() != null) {
                                throw new DependencyFailed();
                            }
                        }
                        if (firstFailure.get() < slot || Thread.currentThread().isInterrupted()) {
                            throw new DependencyFailed(); // an earlier stage failed: Docker would not have reached this one
                        }
                        State st = buildStage(stage, firstStep[slot], total, graph, expander, request, contextSources, built,
                                rootEnvs, stages, relay.slot(slot));
                        built.put(stage.index(), st.image);
                        mine.complete(st);
                    } catch (Throwable t) {
                        mine.completeExceptionally(t);
                        if (!(t instanceof DependencyFailed)) {
                            firstFailure.accumulateAndGet(slot, Math::min);
                            for (int later = slot + 1; later < tasks.size(); later++) {
                                tasks.get(later).cancel(true); // a stage after the failure: Docker would not have reached it
                            }
                        }
                    } finally {
                        relay.finish(slot, !mine.isCompletedExceptionally());
                    }
                }));
            }
        }
        for (Stage stage : needed) {
            java.util.concurrent.CompletableFuture<State> f = done.get(stage.index());
            if (!f.isDone()) {
                throw new BuildException("the build was stopped"); // cancelled before it began: an earlier stage failed
            }
            Throwable failure = f.handle((v, e) -> e).join();
            if (failure != null && !(failure instanceof DependencyFailed)) {
                Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                switch (cause) {
                    case RuntimeException re -> throw re;
                    case IOException io -> throw new java.io.UncheckedIOException(io);
                    case Error err -> throw err;
                    default -> throw new BuildException("build failed: " + cause, cause);
                }
            }
        }
        return done.get(needed.getLast().index()).join();
    }

    /** A stage not built because one it needs failed; that one's failure is the build's. */
    private static final class DependencyFailed extends RuntimeException {
        DependencyFailed() {
            super("a stage this stage needs failed", null, false, false);
        }
    }

    /** One stage: its FROM (with the base's ONBUILD triggers), then its steps, numbered from {@code firstStep + 1}. */
    private State buildStage(Stage stage, int firstStep, int total, StageGraph graph, StageExpander expander, BuildRequest request,
                             CopySources contextSources, Map<Integer, Image> built, Map<Integer, Map<String, String>> rootEnvs,
                             Stages stages, BuildOutput out) throws IOException {
        int[] step = {firstStep};
        Command.From from = expander.from(stage);
        out.stream("Step " + (++step[0]) + "/" + total + " : " + from.location().text());
        out.stream("\n");
        Optional<Stage> baseStage = graph.baseStage(stage);
        Image base;
        Map<String, String> rootEnv;
        if (baseStage.isPresent()) {
            base = built.get(baseStage.get().index());
            rootEnv = rootEnvs.get(baseStage.get().index());
        } else if (from.image().equals(StageGraph.SCRATCH)) {
            base = emptyImage();
            rootEnv = Map.of();
        } else {
            base = image(from.image(), request, out);
            rootEnv = envMap(base.config().config().env());
        }
        rootEnvs.put(stage.index(), rootEnv);
        List<Command> triggers = triggers(base);
        ExpandedStage expanded = expander.expand(triggers.isEmpty() ? stage
                : new Stage(stage.index(), stage.from(), concat(triggers, stage.commands())), rootEnv);
        State state = new State(base);
        state.epoch = sourceDateEpoch(request);
        if (!triggers.isEmpty()) {
            // the base image's ONBUILD instructions run first, as part of the FROM step (dockerd's processOnBuild)
            out.stream("# Executing " + triggers.size() + " build trigger" + (triggers.size() > 1 ? "s" : "") + "\n");
            state.triggered = Optional.of(base.id());
            for (ExpandedStage.Step s : expanded.steps().subList(0, triggers.size())) {
                step(state, s, request, contextSources, built, stages, out);
            }
        }
        out.stream(" ---> " + (from.image().equals(StageGraph.SCRATCH) && baseStage.isEmpty() ? "" : state.image.shortId()) + "\n");
        for (ExpandedStage.Step s : expanded.steps().subList(triggers.size(), expanded.steps().size())) {
            out.stream("Step " + (++step[0]) + "/" + total + " : " + s.command().location().text());
            out.stream("\n");
            step(state, s, request, contextSources, built, stages, out);
            out.stream(" ---> " + state.image.shortId() + "\n");
        }
        return state;
    }

    /**
     * Prints each stage's output in Dockerfile order while stages build at once: the stage whose turn it
     * is prints as it goes; a later one's lines wait until every stage before it has ended. After a
     * failed stage's lines nothing more is printed.
     */
    private static final class InOrder {
        private final BuildOutput out;
        /** What a stage whose turn has not come said: its text and its pulls' progress, in order. */
        private final List<List<java.util.function.Consumer<BuildOutput>>> held;
        private final boolean[] ended;
        private final boolean[] failed;
        private int turn;
        private boolean stopped;

        InOrder(BuildOutput out, int stages) {
            this.out = out;
            this.held = new ArrayList<>();
            this.ended = new boolean[stages];
            this.failed = new boolean[stages];
            for (int i = 0; i < stages; i++) {
                held.add(new ArrayList<>());
            }
        }

        BuildOutput slot(int k) {
            return new BuildOutput() {
                @Override
                public void stream(String text) {
                    write(k, o -> o.stream(text));
                }

                @Override
                public void pulling(dev.skiff.engine.distribution.PullProgress progress) {
                    write(k, o -> o.pulling(progress));
                }
            };
        }

        private synchronized void write(int k, java.util.function.Consumer<BuildOutput> said) {
            if (stopped) {
                return;
            }
            if (k == turn) {
                said.accept(out);
            } else {
                held.get(k).add(said);
            }
        }

        synchronized void finish(int k, boolean succeeded) {
            ended[k] = true;
            failed[k] = !succeeded;
            while (!stopped && turn < ended.length && ended[turn]) {
                if (failed[turn]) {
                    stopped = true;
                    break;
                }
                turn++;
                if (turn < ended.length) {
                    held.get(turn).forEach(said -> said.accept(out));
                    held.get(turn).clear();
                }
            }
        }
    }

    /** The base image's ONBUILD instructions, typed. */
    private static List<Command> triggers(Image base) {
        List<Command> commands = new ArrayList<>();
        for (String trigger : base.config().config().onBuild()) {
            try {
                for (var instruction : DockerfileParser.parse(trigger).instructions()) {
                    Command c = dev.skiff.builder.instructions.CommandParser.parse(instruction);
                    if (c instanceof Command.From || c instanceof Command.Onbuild || c instanceof Command.Maintainer) {
                        throw new BuildException("the base image's ONBUILD trigger " + trigger + " is not allowed: "
                                + c.keyword() + " cannot be a trigger");
                    }
                    commands.add(c);
                }
            } catch (DockerfileException e) {
                throw new BuildException("the base image's ONBUILD trigger " + trigger + " is not a valid instruction: "
                        + e.getMessage());
            }
        }
        return commands;
    }

    private static List<Command> concat(List<Command> a, List<Command> b) {
        List<Command> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private Image stageOrImage(String from, Map<Integer, Image> built, Stages stages, BuildRequest request, BuildOutput out) {
        Optional<Stage> named = stages.byName(from);
        if (named.isEmpty() && from.matches("\\d+")) {
            int index = Integer.parseInt(from);
            if (index < stages.stages().size()) {
                named = Optional.of(stages.stages().get(index));
            }
        }
        if (named.isPresent()) {
            Image image = built.get(named.get().index());
            if (image == null) {
                throw new BuildException("COPY --from=" + from + " names a stage that is not built before this one;"
                        + " a stage can copy only from stages above it");
            }
            return image;
        }
        return image(from, request, out);
    }

    /**
     * The image a FROM or COPY --from names: the local one, else (or with --pull, always) the one the
     * puller gets from its registry, as dockerd's classic builder does.
     */
    private Image image(String name, BuildRequest request, BuildOutput out) {
        if (puller.isEmpty()) {
            return images.resolve(name);
        }
        Map<String, java.util.concurrent.atomic.AtomicBoolean> pulls = pulledBy.getOrDefault(request, new java.util.concurrent.ConcurrentHashMap<>());
        java.util.concurrent.atomic.AtomicBoolean pulled = pulls.computeIfAbsent(name, k -> new java.util.concurrent.atomic.AtomicBoolean());
        synchronized (pulled) { // stages building at once wait for one pull of what they share
            if (!request.pulls().always() || pulled.get()) {
                try {
                    return images.resolve(name);
                } catch (ImageNotFoundException e) {
                    // pulled below
                }
            }
            dev.skiff.formats.ImageReference ref;
            try {
                ref = dev.skiff.formats.ImageReference.parse(name).withDefaultTag();
            } catch (FormatException e) {
                throw new BuildException("invalid reference format: " + name + " (" + e.getMessage() + ")", e);
            }
            try {
                puller.get().pull(ref, Optional.ofNullable(request.pulls().credentials().get(ref.domain())), out::pulling);
            } catch (EngineException e) {
                throw new BuildException(e.getMessage(), e);
            }
            pulled.set(true);
            return images.resolve(ref.toString());
        }
    }

    // ---- config steps

    private void configStep(State state, String comment, ImageConfig.ContainerConfig next, BuildRequest request,
                            BuildOutput out) {
        String createdBy = String.join(" ", state.shell) + " #(nop)  " + comment;
        cached(state, request, out, BuildCache.key(state.image.id().toString(), "config", createdBy, state.author), () ->
                committer.record(state.image, next, Optional.empty(), history(state, createdBy, true)));
    }

    // ---- WORKDIR: a config change, and the directory made when the image lacks it

    private void workdir(State state, Command.Workdir w, BuildRequest request, BuildOutput out) throws IOException {
        String dir = w.path();
        if (!dir.startsWith("/")) {
            String current = state.config().workingDir().isEmpty() ? "/" : state.config().workingDir();
            dir = current.endsWith("/") ? current + dir : current + "/" + dir;
        }
        dir = normalize(dir);
        String finalDir = dir;
        ImageConfig.ContainerConfig next = state.config().withWorkingDir(dir);
        String createdBy = String.join(" ", state.shell) + " #(nop) WORKDIR " + dir;
        cached(state, request, out, BuildCache.key(state.image.id().toString(), "workdir", createdBy, state.author), () ->
                inScratch(state, createdBy, next, root -> new FileCopier(root, new FileCopier.Ownership(0, 0,
                        java.util.OptionalInt.empty())).mkdirs(finalDir)));
    }

    // ---- COPY / ADD

    private void copy(State state, String keyword, List<String> patterns, String destination, Optional<String> chown,
                      Optional<String> chmod, Optional<Image> fromImage, CopySources contextSources, BuildRequest request,
                      BuildOutput out) throws IOException {
        copy(state, keyword, patterns, destination, chown, chmod, fromImage, contextSources, request, out, FileCopier.Flags.NONE);
    }

    private void copy(State state, String keyword, List<String> patterns, String destination, Optional<String> chown,
                      Optional<String> chmod, Optional<Image> fromImage, CopySources contextSources, BuildRequest request,
                      BuildOutput out, FileCopier.Flags flags) throws IOException {
        if (fromImage.isPresent()) {
            String flagKey = flags.equals(FileCopier.Flags.NONE) ? "" : flags.toString();
            boolean directoryWanted = directoryWanted(destination);
            String absolute = absoluteDestination(state, destination);
            Image source = fromImage.get();
            // named by what it copies, as a context COPY is: the same files from a rebuilt stage hit the cache
            String sumKey = source.id() + "\u0000" + keyword + "\u0000" + String.join("\u0000", patterns);
            String checksum = fromChecksums.get(sumKey);
            if (checksum == null) {
                checksum = withImageRoot(source, sourceRoot -> {
                    CopySources sources = CopySources.ofImage(sourceRoot);
                    return sources.checksum(sources.resolve(keyword, patterns));
                });
                if (fromChecksums.size() > 4096) {
                    fromChecksums.clear();
                }
                fromChecksums.put(sumKey, checksum);
            }
            String createdBy = copyCreatedBy(state, keyword, chown, checksum, destination);
            cached(state, request, out, BuildCache.key(state.image.id().toString(), "copy", createdBy,
                    chown.orElse(""), chmod.orElse(""), absolute, state.author + flagKey), () ->
                    inScratch(state, createdBy, state.config(), root -> withImageRoot(source, sourceRoot -> {
                        CopySources sources = CopySources.ofImage(sourceRoot);
                        List<CopySources.Source> resolved = sources.resolve(keyword, patterns);
                        new FileCopier(root, FileCopier.ownership(root, chown, chmod, true))
                                .copy(sources, resolved, absolute, directoryWanted, keyword, flags);
                        return null;
                    })));
            return;
        }
        copyParts(state, keyword, List.of(new CopyPart(contextSources, contextSources.resolve(keyword, patterns))), destination,
                chown, chmod, request, out, flags);
    }

    /** A destination that names a directory: it ends in a slash, or is the working directory itself. */
    private static boolean directoryWanted(String destination) {
        return destination.endsWith("/") || destination.equals(".") || destination.endsWith("/.");
    }

    /** A COPY's destination as an absolute path: a relative one is under the working directory. */
    private static String absoluteDestination(State state, String destination) {
        String workdir = state.config().workingDir().isEmpty() ? "/" : state.config().workingDir();
        return normalize(destination.startsWith("/") ? destination : (workdir.endsWith("/") ? workdir : workdir + "/") + destination);
    }

    /** Sources of one COPY from one place: the context's files, or the here-documents written for it. */
    private record CopyPart(CopySources sources, List<CopySources.Source> resolved) {
    }

    /** One COPY or ADD step of sources from one or more places, into one layer, with one cache key over all of them. */
    private void copyParts(State state, String keyword, List<CopyPart> parts, String destination, Optional<String> chown,
                           Optional<String> chmod, BuildRequest request, BuildOutput out, FileCopier.Flags flags) throws IOException {
        String flagKey = flags.equals(FileCopier.Flags.NONE) ? "" : flags.toString();
        boolean directoryWanted = directoryWanted(destination);
        String absolute = absoluteDestination(state, destination);
        int count = parts.stream().mapToInt(p -> p.resolved().size()).sum();
        if (count > 1 && !directoryWanted && !flags.parents()) {
            throw new BuildException("When using " + keyword + " with more than one source file, the destination must "
                    + "be a directory and end with a /");
        }
        String checksum;
        if (parts.size() == 1) {
            checksum = parts.getFirst().sources().checksum(parts.getFirst().resolved());
        } else {
            StringBuilder all = new StringBuilder();
            for (CopyPart part : parts) {
                all.append(part.sources().checksum(part.resolved())).append('\u0000');
            }
            checksum = "multi:" + dev.skiff.formats.Digest.sha256(all.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)).encoded();
        }
        String createdBy = copyCreatedBy(state, keyword, chown, checksum, destination);
        cached(state, request, out, BuildCache.key(state.image.id().toString(), "copy", createdBy, chown.orElse(""),
                chmod.orElse(""), absolute, state.author + flagKey), () ->
                inScratch(state, createdBy, state.config(), root -> {
                    FileCopier copier = new FileCopier(root, FileCopier.ownership(root, chown, chmod));
                    for (CopyPart part : parts) {
                        copier.copy(part.sources(), part.resolved(), absolute, directoryWanted, keyword, flags);
                    }
                    return null;
                }));
    }

    /** dockerd's history line of a COPY or ADD: {@code --chown=} runs into the checksum, as dockerd writes it. */
    private static String copyCreatedBy(State state, String keyword, Optional<String> chown, String checksum, String destination) {
        return String.join(" ", state.shell) + " #(nop) " + keyword + " " + chown.map(c -> "--chown=" + c).orElse("")
                + checksum + " in " + destination + " ";
    }

    /**
     * {@code COPY <<EOF /dest}: each here-document is a file named by its delimiter (mode 0644), copied
     * as a context file would be; its body was expanded unless the delimiter was quoted. Context files
     * named beside them ({@code COPY a.txt <<EOF /dest/}) go into the same layer, before them.
     */
    private void copyInline(State state, String keyword, List<String> paths, List<Command.InlineSource> inline,
                            String destination, Optional<String> chown, Optional<String> chmod, CopySources contextSources,
                            BuildRequest request, BuildOutput out) throws IOException {
        ScratchDirs.with(cache.mountScratch(), "heredoc-", dir -> {
            List<String> names = new ArrayList<>();
            for (Command.InlineSource source : inline) {
                String name = source.path();
                if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
                    throw new BuildException(keyword + " <<" + name + ": a here-document is a file named by its delimiter, "
                            + "which cannot hold a /; name it with a plain word and give the path as the destination");
                }
                Path file = dir.resolve(name);
                Files.writeString(file, source.data());
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                names.add(name);
            }
            CopySources documents = new CopySources(dir, DockerIgnore.empty());
            List<CopyPart> parts = new ArrayList<>();
            if (!paths.isEmpty()) {
                parts.add(new CopyPart(contextSources, contextSources.resolve(keyword, paths))); // the files first, as they are written
            }
            parts.add(new CopyPart(documents, documents.resolve(keyword, names)));
            copyParts(state, keyword, parts, destination, chown, chmod, request, out, FileCopier.Flags.NONE);
        });
    }

    /** {@code ADD <git url>#ref:subdir <dest>}: cloned ({@link GitSources}), then its files copied as a context directory's. */
    private void addGit(State state, Command.Add a, BuildRequest request, BuildOutput out) throws IOException {
        if (a.sources().size() != 1 || !a.inlineSources().isEmpty()) {
            throw new BuildException("ADD of a git repository takes that one source; give other sources an ADD of their own");
        }
        if (a.checksum().isPresent()) {
            throw new BuildException("ADD --checksum of a git repository is not supported by skiff yet; pin the commit in the URL (#<commit>)");
        }
        ScratchDirs.with(cache.mountScratch(), "git-", dir -> {
            out.stream("Cloning " + a.sources().getFirst() + "\n");
            Path from = GitSources.fetch(a.sources().getFirst(), a.keepGitDir().orElse(false), dir);
            copy(state, "ADD", List.of("."), a.destination(), a.chown(), a.chmod(), Optional.empty(),
                    new CopySources(from, DockerIgnore.empty()), request, out, new FileCopier.Flags(a.excludes(), false, false));
        });
    }

    /** {@code ADD <url>... <dest>}: downloaded ({@link Downloads}), then copied as context files are, never unpacked. */
    private void addUrls(State state, Command.Add a, BuildRequest request, BuildOutput out) throws IOException {
        if (!a.sources().stream().allMatch(Downloads::isUrl) || !a.inlineSources().isEmpty()) {
            throw new BuildException("ADD of URLs and context files at once is not supported by skiff yet; give the URLs "
                    + "an ADD of their own");
        }
        ScratchDirs.with(cache.mountScratch(), "download-", dir -> {
            List<String> names = new ArrayList<>();
            for (String url : a.sources()) {
                out.stream("Downloading " + url + "\n");
                names.add(Downloads.fetch(url, a.checksum(), dir));
            }
            copy(state, "ADD", names, a.destination(), a.chown(), a.chmod(), Optional.empty(), new CopySources(dir, DockerIgnore.empty()),
                    request, out, new FileCopier.Flags(a.excludes(), false, false));
        });
    }

    // ---- RUN

    private void run(State state, ExpandedStage.Step step, Command.Run r, BuildRequest request, BuildOutput out,
                     CopySources contextSources, Map<Integer, Image> built, Stages stages) throws IOException {
        Optional<Heredoc> script = scriptHeredoc(r);
        List<String> cmd = script.isPresent() ? List.of(PIPES + script.get().name()) : runCommandLine(r, state.shell);
        List<String> env = new ArrayList<>(envList(new LinkedHashMap<>(step.environment())));
        // dockerd's history and cache key name the stage's ARG values a RUN sees (not those an ENV overrides): "|2 A=1 B=2 cmd"
        Map<String, String> imageEnv = envMap(state.config().env());
        List<String> args = state.args.entrySet().stream().filter(e -> !imageEnv.containsKey(e.getKey()))
                .map(e -> e.getKey() + "=" + e.getValue()).toList();
        String createdBy = (args.isEmpty() ? "" : "|" + args.size() + " " + String.join(" ", args) + " ") + String.join(" ", cmd);
        String workdir = state.config().workingDir();
        String network = r.network().isEmpty() || r.network().equals("default") ? request.networkMode() : r.network();
        if (!BuildRequest.NETWORK_MODES.contains(network)) {
            throw new BuildException("RUN --network=" + network + " is not supported: use default, host or none");
        }
        List<String> keyParts = new ArrayList<>(List.of(state.image.id().toString(), "run", createdBy, String.join("\n", env), state.author));
        keyParts.addAll(RunMounts.keyParts(step.mounts(), contextSources,
                from -> stageOrImage(from, built, stages, request, out).id().toString(), workdir, request.secrets().keySet()));
        r.heredocs().forEach(h -> keyParts.add("heredoc " + h.name() + "\n" + h.content()));
        Digest key = BuildCache.key(keyParts.toArray(String[]::new));
        cached(state, request, out, key, () -> {
            ImageConfig.ContainerConfig c = state.config();
            ContainerConfig config = ContainerConfig.of(state.image.id().toString(), cmd)
                    .withEnv(env).withEntrypoint(List.of("")).withUser(c.user());
            config = runConfig(config, c.workingDir());
            try (RunMounts mounts = RunMounts.prepare(step.mounts(), workdir, contextSources, cache.mountScratch(), cache,
                    (from, source, into) -> withImageRoot(stageOrImage(from, built, stages, request, out), root -> {
                        RunMounts.copyOut(root, source, into);
                        return null;
                    }), request.secrets())) {
                if (script.isPresent()) {
                    Heredoc h = script.get();
                    mounts.script(PIPES + h.name(), h.chompedContent(), cache.mountScratch());
                }
                ContainerConfig withSecrets = mounts.env().isEmpty() ? config
                        : config.withEnv(java.util.stream.Stream.concat(env.stream(), mounts.env().stream()).toList());
                Container container = engine.create(Optional.empty(), withSecrets,
                        HostConfig.defaults().withMounts(mounts.mounts()).withNetworkMode(network));
                try {
                    out.stream(" ---> Running in " + container.shortId() + "\n");
                    engine.start(container.id());
                    try {
                        engine.logs(container.id(), new LogOptions(true, true, true, -1, Optional.empty(), Optional.empty(),
                                false), () -> true, (stream, bytes) -> out.stream(new String(bytes, StandardCharsets.UTF_8)));
                        int code = engine.wait(container.id(), WaitCondition.NOT_RUNNING).get();
                        if (code != 0) {
                            throw new BuildException("The command '" + String.join(" ", cmd) + "' returned a non-zero code: " + code, code);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new BuildException("the build was interrupted while RUN was running");
                    } catch (ExecutionException e) {
                        throw new BuildException("cannot wait for the RUN container: " + e.getCause().getMessage(), e);
                    } catch (IOException e) {
                        throw new BuildException("cannot read the output of the RUN container: " + e.getMessage(), e);
                    }
                    files.removeMountPoints(container, mounts.targets());
                    Optional<Layer> layer = changed(container) ? Optional.of(committer.changes(container, state.epoch)) : Optional.empty();
                    Image image = committer.record(state.image, c, layer, history(state, createdBy, layer.isEmpty()));
                    out.stream("Removing intermediate container " + container.shortId() + "\n");
                    return image;
                } finally {
                    removeQuietly(container);
                }
            }
        });
    }

    /** Where a RUN's here-document that starts with {@code #!} is put, as a file it runs, as BuildKit puts it. */
    private static final String PIPES = "/dev/pipes/";

    /**
     * The here-document a RUN runs as a script file: the only thing on its command line, starting with
     * {@code #!}. Empty when there is none such.
     */
    private static Optional<Heredoc> scriptHeredoc(Command.Run r) {
        if (r.heredocs().isEmpty() || !r.command().shellForm()) {
            return Optional.empty();
        }
        Optional<Heredoc> mark = Heredoc.fromMark(String.join(" ", r.command().args()).strip());
        if (mark.isEmpty()) {
            return Optional.empty();
        }
        Heredoc body = r.heredocs().getFirst();
        if (!body.content().startsWith("#!")) {
            return Optional.empty();
        }
        if (body.name().isEmpty() || body.name().contains("/") || body.name().equals(".") || body.name().equals("..")) {
            throw new BuildException("RUN <<" + body.name() + ": a here-document run as a script is a file named by its "
                    + "delimiter, which cannot hold a /; name it with a plain word, as <<EOF");
        }
        return Optional.of(body);
    }

    /**
     * A RUN's command line with its here-documents, as BuildKit gives them: a RUN that is one
     * here-document alone runs its body in the shell; any other hands the shell the command line with
     * each body and delimiter after it, and the shell reads them as here-documents.
     */
    private static List<String> runCommandLine(Command.Run r, List<String> shell) {
        if (r.heredocs().isEmpty()) {
            return commandLine(r.command(), shell);
        }
        if (!r.command().shellForm()) {
            throw new BuildException("RUN in exec form (a JSON array) cannot take a here-document; write it in shell form");
        }
        String line = String.join(" ", r.command().args());
        List<String> args = new ArrayList<>(shell);
        if (Heredoc.fromMark(line.strip()).isPresent()) {
            args.add(r.heredocs().getFirst().chompedContent());
            return args;
        }
        StringBuilder full = new StringBuilder(line);
        for (Heredoc h : r.heredocs()) {
            full.append('\n').append(h.content()).append(h.name());
        }
        args.add(full.toString());
        return args;
    }

    /** A RUN's container: in the stage's working dir, without the image's health check (as dockerd's builder). */
    private static ContainerConfig runConfig(ContainerConfig c, String dir) {
        var noHealthcheck = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        noHealthcheck.putArray("Test").add("NONE");
        return new ContainerConfig(c.hostname(), c.domainname(), c.user(), c.attachStdin(), c.attachStdout(),
                c.attachStderr(), c.exposedPorts(), c.tty(), c.openStdin(), c.stdinOnce(), c.env(), c.cmd(),
                noHealthcheck, c.image(), c.volumes(), dir, c.entrypoint(), c.onBuild(), c.labels(), c.stopSignal(),
                c.stopTimeout());
    }

    // ---- the parts steps share

    @FunctionalInterface
    private interface StepAction {
        Image make() throws IOException;
    }

    /** Runs {@code action} unless the cache knows {@code key}; either way {@code state} moves to the step's image. */
    private void cached(State state, BuildRequest request, BuildOutput out, Digest key, StepAction action) {
        if (!request.noCache()) {
            Optional<Image> hit = cache.get(key).flatMap(images::byId);
            if (hit.isPresent()) {
                out.stream(" ---> Using cache\n");
                parents.set(hit.get().id(), state.image.id());
                state.image = hit.get();
                return;
            }
        }
        Image made;
        try {
            made = action.make();
        } catch (IOException e) {
            throw new BuildException("build step failed: " + e.getMessage(), e);
        }
        parents.set(made.id(), state.image.id());
        cache.put(key, made.id());
        state.image = made;
    }

    @FunctionalInterface
    private interface RootAction<T> {
        T apply(Path root) throws IOException;
    }

    /**
     * Runs {@code action} on the overlay of a created, never started container of the current image
     * and records its changes (if any) as the step's layer, with {@code createdBy} in the history.
     */
    private Image inScratch(State state, String createdBy, ImageConfig.ContainerConfig next, RootAction<?> action)
            throws IOException {
        Container container = engine.create(Optional.empty(), ContainerConfig.of(state.image.id().toString(),
                List.of(createdBy)).withEntrypoint(List.of("")), HostConfig.defaults());
        try {
            engine.withRootfs(container.id(), (c, root) -> action.apply(root));
            Optional<Layer> layer = changed(container) ? Optional.of(committer.changes(container, state.epoch)) : Optional.empty();
            return committer.record(state.image, next, layer, history(state, createdBy, layer.isEmpty()));
        } finally {
            removeQuietly(container);
        }
    }

    /** Runs {@code action} on an image's files, read through a created, never started container. */
    private <T> T withImageRoot(Image image, RootAction<T> action) throws IOException {
        Container container = engine.create(Optional.empty(), ContainerConfig.of(image.id().toString(),
                List.of("#(nop) read")).withEntrypoint(List.of("")), HostConfig.defaults());
        try {
            return engine.withRootfs(container.id(), (c, root) -> action.apply(root));
        } finally {
            removeQuietly(container);
        }
    }

    private boolean changed(Container c) throws IOException {
        return files.changed(c);
    }

    /**
     * Removes a step's container, also when the step was stopped (its thread interrupted: another stage
     * failed): the interrupt waits until the container is gone, or the removal would give up at once.
     */
    private void removeQuietly(Container c) {
        boolean interrupted = Thread.interrupted();
        try {
            engine.remove(c.id(), true, true);
        } catch (RuntimeException e) {
            System.getLogger(ImageBuilder.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot remove intermediate container " + c.shortId() + ": " + e.getMessage());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static ImageConfig.History history(State state, String createdBy, boolean emptyLayer) {
        return new ImageConfig.History(Optional.of(state.epoch.orElseGet(Instant::now)), createdBy, state.author, "", emptyLayer);
    }

    /**
     * {@code --build-arg SOURCE_DATE_EPOCH=<seconds>}, as BuildKit reads it: the build's images are
     * dated then, and no file in their new layers is later, so the same inputs give the same layers.
     */
    private static Optional<Instant> sourceDateEpoch(BuildRequest request) {
        String value = request.buildArgs().get("SOURCE_DATE_EPOCH");
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.ofEpochSecond(Long.parseLong(value.strip())));
        } catch (NumberFormatException | java.time.DateTimeException e) {
            throw new BuildException("invalid SOURCE_DATE_EPOCH " + value + ": give the time as whole seconds since 1970-01-01 UTC");
        }
    }

    /** {@code FROM scratch}: an image without layers or config, for this platform. */
    private Image emptyImage() {
        ImageConfig config = new ImageConfig(architecture(), "linux", "", "", Optional.empty(), "",
                ImageConfig.ContainerConfig.EMPTY, List.of(), List.of());
        byte[] json = ImageConfigCodec.serialize(config);
        Digest digest = content.put(json);
        byte[] manifest = ImageImporter.manifest(MediaTypes.DOCKER_MANIFEST,
                Descriptor.of(MediaTypes.DOCKER_CONFIG, digest, json.length));
        Digest manifestDigest = content.put(manifest);
        return images.put(digest, Optional.of(Descriptor.of(MediaTypes.DOCKER_MANIFEST, manifestDigest, manifest.length)),
                List.of());
    }

    static String architecture() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
    }

    private static List<String> commandLine(Command.CommandLine line, List<String> shell) {
        if (!line.shellForm()) {
            return line.args();
        }
        List<String> args = new ArrayList<>(shell);
        args.add(String.join(" ", line.args()));
        return args;
    }

    static Map<String, String> envMap(List<String> env) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            map.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
        }
        return map;
    }

    private static List<String> envList(Map<String, String> env) {
        return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
    }

    /** EXPOSE's {@code 80}, {@code 80/udp}, {@code 8000-8002/tcp} as the config's {@code port/proto} keys. */
    static List<String> ports(String spec) {
        String proto = "tcp";
        String ports = spec;
        int slash = spec.indexOf('/');
        if (slash >= 0) {
            proto = spec.substring(slash + 1).toLowerCase(Locale.ROOT);
            ports = spec.substring(0, slash);
        }
        if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
            throw new BuildException("invalid proto: " + proto + " in EXPOSE " + spec + " (use tcp, udp or sctp)");
        }
        try {
            int dash = ports.indexOf('-');
            int first = Integer.parseInt(dash < 0 ? ports : ports.substring(0, dash));
            int last = dash < 0 ? first : Integer.parseInt(ports.substring(dash + 1));
            if (first < 0 || last > 65535 || last < first) {
                throw new NumberFormatException();
            }
            List<String> out = new ArrayList<>();
            for (int p = first; p <= last; p++) {
                out.add(p + "/" + proto);
            }
            return out;
        } catch (NumberFormatException e) {
            throw new BuildException("invalid containerPort: " + ports + " in EXPOSE " + spec
                    + " (give a port or range between 0 and 65535, e.g. 80 or 8000-8002/udp)");
        }
    }

    /** Go's {@code time.Duration} text: {@code 0s}, {@code 500ms}, {@code 5s}, {@code 1m30s}, {@code 1h0m0s}. */
    static String goDuration(java.time.Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) {
            return "0s";
        }
        String sign = nanos < 0 ? "-" : "";
        nanos = Math.abs(nanos);
        if (nanos < 1_000) {
            return sign + nanos + "ns";
        }
        if (nanos < 1_000_000) {
            return sign + trim(nanos / 1e3) + "µs";
        }
        if (nanos < 1_000_000_000) {
            return sign + trim(nanos / 1e6) + "ms";
        }
        long hours = nanos / 3_600_000_000_000L;
        long minutes = nanos / 60_000_000_000L % 60;
        String seconds = trim((nanos % 60_000_000_000L) / 1e9) + "s";
        if (hours > 0) {
            return sign + hours + "h" + minutes + "m" + seconds;
        }
        return sign + (minutes > 0 ? minutes + "m" : "") + seconds;
    }

    private static String trim(double v) {
        String s = java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
        return s;
    }

    /** Go's {@code %q} of a string slice: {@code ["a" "b"]}. */
    static String goQuoted(List<String> args) {
        return args.stream().map(ImageBuilder::goQuote).collect(Collectors.joining(" ", "[", "]"));
    }

    private static String goQuote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format("\\x%02x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static String quoteIfNeeded(String s) {
        return s.matches("[A-Za-z0-9._/:@-]+") ? s : goQuote(s);
    }

    /** A clean absolute container path: no {@code .}, {@code ..} or doubled slashes. */
    static String normalize(String path) {
        String n = Path.of("/").resolve(path).normalize().toString();
        return n.isEmpty() ? "/" : n;
    }
}
