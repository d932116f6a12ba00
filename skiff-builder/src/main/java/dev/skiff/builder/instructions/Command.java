package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.Heredoc;
import dev.skiff.builder.dockerfile.Instruction;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One typed Dockerfile instruction, as BuildKit's {@code instructions} package has them. Values are
 * as written (variables unexpanded) until {@link StageExpander} expands the words BuildKit expands.
 * {@link CommandParser} makes them from parsed {@link Instruction}s.
 */
public sealed interface Command {

    Location location();

    /** The instruction's keyword in upper case, as in messages ({@code RUN}, {@code COPY}). */
    default String keyword() {
        return getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT);
    }

    /**
     * A command line: exec form ({@code ["a", "b"]}) or shell form, which is one string that runs
     * through the stage's SHELL.
     */
    record CommandLine(List<String> args, boolean shellForm) {
        public CommandLine {
            args = List.copyOf(args);
        }
    }

    /** {@code NAME=value} of ENV and LABEL, quotes kept until expansion. */
    record KeyValue(String key, String value) {
        public KeyValue {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    /** A COPY or ADD source given inline as a here-document: its name is the file's name. */
    record InlineSource(String path, String data, boolean expand) {
        public InlineSource {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(data, "data");
        }
    }

    /** FROM: starts a stage. {@code stageName} is lower-cased, as BuildKit matches names. */
    record From(String image, Optional<String> platform, Optional<String> stageName, Location location)
            implements Command {
    }

    /**
     * RUN. {@code mountSpecs} are the {@code --mount} values as written: their variables are expanded
     * per stage, then each is read with {@link RunMount#parse}.
     */
    record Run(CommandLine command, List<String> mountSpecs, String network, String security, List<Heredoc> heredocs,
               Location location) implements Command {
        public Run {
            mountSpecs = List.copyOf(mountSpecs);
            heredocs = List.copyOf(heredocs);
        }

        /** The {@code from=} of each mount that has one: stages or images this RUN reads. */
        public List<String> mountSources() {
            return mountSpecs.stream().map(RunMount::unexpandedFrom).flatMap(Optional::stream).toList();
        }
    }

    record Cmd(CommandLine command, Location location) implements Command {
    }

    /** ENTRYPOINT; an empty shell-form one ({@code ENTRYPOINT []}) clears the image's entrypoint. */
    record Entrypoint(CommandLine command, Location location) implements Command {
    }

    record Env(List<KeyValue> pairs, Location location) implements Command {
        public Env {
            pairs = List.copyOf(pairs);
        }
    }

    /** One name of an ARG line, with its default if it has one. */
    record ArgDefinition(String name, Optional<String> defaultValue) {
        public ArgDefinition {
            Objects.requireNonNull(name, "name");
        }
    }

    record Arg(List<ArgDefinition> definitions, Location location) implements Command {
        public Arg {
            definitions = List.copyOf(definitions);
        }
    }

    record Label(List<KeyValue> pairs, Location location) implements Command {
        public Label {
            pairs = List.copyOf(pairs);
        }
    }

    /** EXPOSE, ports sorted as text (BuildKit sorts them). */
    record Expose(List<String> ports, Location location) implements Command {
        public Expose {
            ports = List.copyOf(ports);
        }
    }

    record Workdir(String path, Location location) implements Command {
    }

    record User(String user, Location location) implements Command {
    }

    record Volume(List<String> paths, Location location) implements Command {
        public Volume {
            paths = List.copyOf(paths);
        }
    }

    /**
     * COPY. {@code from} is a stage name, a stage index or an image; {@code chown} and {@code chmod}
     * are expanded per stage; {@code excludes} are patterns as for {@code .dockerignore}.
     */
    record Copy(List<String> sources, List<InlineSource> inlineSources, String destination, Optional<String> from,
                Optional<String> chown, Optional<String> chmod, boolean link, List<String> excludes, boolean parents,
                Location location) implements Command {
        public Copy {
            sources = List.copyOf(sources);
            inlineSources = List.copyOf(inlineSources);
            excludes = List.copyOf(excludes);
        }
    }

    /**
     * ADD. {@code keepGitDir} and {@code unpack} are empty unless given, because their defaults
     * depend on the kind of source.
     */
    record Add(List<String> sources, List<InlineSource> inlineSources, String destination, Optional<String> chown,
               Optional<String> chmod, boolean link, List<String> excludes, Optional<String> checksum,
               Optional<Boolean> keepGitDir, Optional<Boolean> unpack, Location location) implements Command {
        public Add {
            sources = List.copyOf(sources);
            inlineSources = List.copyOf(inlineSources);
            excludes = List.copyOf(excludes);
        }
    }

    /**
     * ONBUILD: an instruction stored in the image for builds that use it as a base. BuildKit checks
     * only the trigger's keyword now; the trigger is parsed when it fires (see {@link #triggerCommand}).
     *
     * @param expression the trigger's text, with its here-documents, as stored in the image config
     * @param trigger    the trigger as the parser read it
     */
    record Onbuild(String expression, Instruction trigger, Location location) implements Command {
        /** The typed trigger. @throws InstructionException when it is not a valid instruction */
        public Command triggerCommand() {
            return CommandParser.parse(trigger);
        }
    }

    /**
     * HEALTHCHECK. {@code test} is {@code ["NONE"]}, {@code ["CMD", args...]} (exec form) or
     * {@code ["CMD-SHELL", command]}, as in the image config; zero durations mean "the default".
     */
    record Healthcheck(List<String> test, Duration interval, Duration timeout, Duration startPeriod,
                       Duration startInterval, int retries, Location location) implements Command {
        public Healthcheck {
            test = List.copyOf(test);
        }

        public boolean disabled() {
            return test.equals(List.of("NONE"));
        }
    }

    record Shell(List<String> shell, Location location) implements Command {
        public Shell {
            shell = List.copyOf(shell);
        }
    }

    record Stopsignal(String signal, Location location) implements Command {
    }

    /** MAINTAINER, deprecated in favour of {@code LABEL maintainer=...}. */
    record Maintainer(String name, Location location) implements Command {
    }
}
