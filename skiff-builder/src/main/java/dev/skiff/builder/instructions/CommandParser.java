package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.Argument;
import dev.skiff.builder.dockerfile.DockerfileException;
import dev.skiff.builder.dockerfile.Heredoc;
import dev.skiff.builder.dockerfile.Instruction;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns one parsed {@link Instruction} into its typed {@link Command}, checking flags and argument
 * counts the way BuildKit's {@code instructions.ParseInstruction} does, with its messages. Like
 * BuildKit, a few instructions never look at their flags (ARG, STOPSIGNAL, HEALTHCHECK NONE), so
 * flags given to them are ignored rather than refused.
 */
public final class CommandParser {
    /** BuildKit's keywords, in the order suggestions prefer them. */
    static final List<String> KEYWORDS = List.of("ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM",
            "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR");
    private static final Pattern STAGE_NAME = Pattern.compile("^[a-z][a-z0-9-_.]*$");
    private static final Pattern ONBUILD_PREFIX = Pattern.compile("(?i)^[\\t\\n\\f\\r ]*ONBUILD[\\t\\n\\f\\r ]*");
    private static final List<String> NETWORKS = List.of("default", "none", "host");
    private static final List<String> SECURITIES = List.of("insecure", "sandbox");
    private static final Duration MINIMUM_INTERVAL = Duration.ofMillis(1);

    private CommandParser() {
    }

    /**
     * @throws InstructionException naming the instruction's lines when it is unknown or malformed
     */
    public static Command parse(Instruction instruction) {
        Location location = Location.of(instruction);
        try {
            return parse(instruction, location);
        } catch (InstructionException e) {
            throw e;
        } catch (DockerfileException e) {
            throw new InstructionException(location, e.getMessage());
        }
    }

    private static Command parse(Instruction in, Location at) {
        List<String> args = in.values();
        Flags flags = new Flags(in.flags());
        return switch (in.command()) {
            case "env" -> {
                flags.parse();
                yield new Command.Env(keyValues(args, "ENV"), at);
            }
            case "maintainer" -> {
                exactlyOne(args, "MAINTAINER");
                flags.parse();
                yield new Command.Maintainer(args.getFirst(), at);
            }
            case "label" -> {
                flags.parse();
                yield new Command.Label(keyValues(args, "LABEL"), at);
            }
            case "add" -> add(in, args, flags, at);
            case "copy" -> copy(in, args, flags, at);
            case "from" -> from(args, flags, at);
            case "onbuild" -> onbuild(in, flags, at);
            case "workdir" -> {
                exactlyOne(args, "WORKDIR");
                flags.parse();
                yield new Command.Workdir(args.getFirst(), at);
            }
            case "run" -> run(in, args, flags, at);
            case "cmd" -> {
                flags.parse();
                yield new Command.Cmd(commandLine(in, args), at);
            }
            case "entrypoint" -> {
                flags.parse();
                yield new Command.Entrypoint(commandLine(in, args), at);
            }
            case "healthcheck" -> healthcheck(in, args, flags, at);
            case "expose" -> {
                if (args.isEmpty()) {
                    throw atLeastOne("EXPOSE");
                }
                flags.parse();
                yield new Command.Expose(args.stream().sorted().toList(), at);
            }
            case "user" -> {
                exactlyOne(args, "USER");
                flags.parse();
                yield new Command.User(args.getFirst(), at);
            }
            case "volume" -> volume(args, flags, at);
            case "stopsignal" -> {
                exactlyOne(args, "STOPSIGNAL");
                yield new Command.Stopsignal(args.getFirst(), at);
            }
            case "arg" -> arg(args, at);
            case "shell" -> {
                flags.parse();
                if (args.isEmpty()) {
                    throw atLeastOne("SHELL");
                }
                if (!in.jsonForm()) {
                    throw new DockerfileException("SHELL requires the arguments to be in JSON form;"
                            + " write it as SHELL [\"/bin/sh\", \"-c\"]");
                }
                yield new Command.Shell(args, at);
            }
            default -> throw new DockerfileException(
                    Suggest.withSuggestion("unknown instruction: " + in.keyword(), in.keyword(), KEYWORDS, false));
        };
    }

    private static Command.From from(List<String> args, Flags flags, Location at) {
        String stageName = null;
        if (args.size() == 3 && args.get(1).equalsIgnoreCase("as")) {
            stageName = args.get(2).toLowerCase(Locale.ROOT);
            if (!STAGE_NAME.matcher(stageName).matches()) {
                throw new DockerfileException("invalid name for build stage: " + GoStrings.quote(args.get(2))
                        + ", name can't start with a number or contain symbols");
            }
        } else if (args.size() != 1) {
            throw new DockerfileException("FROM requires either one or three arguments;"
                    + " write FROM <image> or FROM <image> AS <name>");
        }
        flags.string("platform").parse();
        return new Command.From(args.getFirst(), flags.value("platform"), Optional.ofNullable(stageName), at);
    }

    private static Command.Run run(Instruction in, List<String> args, Flags flags, Location at) {
        flags.strings("mount").string("network").string("security").parse();
        List<String> mounts = flags.list("mount");
        for (String spec : mounts) {
            RunMount.unexpandedFrom(spec);
        }
        String network = flags.stringOr("network", "default");
        if (!NETWORKS.contains(network)) {
            throw new DockerfileException("invalid network mode " + GoStrings.quote(network)
                    + "; use default, none or host");
        }
        String security = flags.stringOr("security", "sandbox");
        if (!SECURITIES.contains(security)) {
            throw new DockerfileException("security " + GoStrings.quote(security)
                    + " is not valid; use sandbox or insecure");
        }
        return new Command.Run(commandLine(in, args), mounts, network, security, in.heredocs(), at);
    }

    private static Command.Copy copy(Instruction in, List<String> args, Flags flags, Location at) {
        if (args.size() < 2) {
            throw noDestination("COPY");
        }
        flags.string("chown").string("from").string("chmod").bool("link").strings("exclude").bool("parents").parse();
        Sources sources = sources(in, args, "COPY");
        return new Command.Copy(sources.paths(), sources.inline(), sources.destination(), flags.value("from"),
                flags.value("chown"), flags.value("chmod"), flags.isTrue("link"), flags.list("exclude"),
                flags.isTrue("parents"), at);
    }

    private static Command.Add add(Instruction in, List<String> args, Flags flags, Location at) {
        if (args.size() < 2) {
            throw noDestination("ADD");
        }
        flags.string("chown").string("chmod").bool("link").bool("keep-git-dir").string("checksum").bool("unpack")
                .strings("exclude").parse();
        Sources sources = sources(in, args, "ADD");
        return new Command.Add(sources.paths(), sources.inline(), sources.destination(), flags.value("chown"),
                flags.value("chmod"), flags.isTrue("link"), flags.list("exclude"), flags.value("checksum"),
                flags.optionalBool("keep-git-dir"), flags.optionalBool("unpack"), at);
    }

    private record Sources(List<String> paths, List<Command.InlineSource> inline, String destination) {
    }

    private static Sources sources(Instruction in, List<String> args, String command) {
        String destination = args.getLast();
        if (Heredoc.fromMark(destination).isPresent()) {
            throw new DockerfileException(command + " cannot accept a heredoc as a destination;"
                    + " give a path as the last argument");
        }
        Map<String, Heredoc> bodies = new HashMap<>();
        for (Heredoc doc : in.heredocs()) {
            bodies.put(doc.name(), doc);
        }
        List<String> paths = new ArrayList<>();
        List<Command.InlineSource> inline = new ArrayList<>();
        for (String source : args.subList(0, args.size() - 1)) {
            Optional<Heredoc> mark = Heredoc.fromMark(source);
            if (mark.isPresent()) {
                Heredoc body = bodies.getOrDefault(mark.get().name(), mark.get());
                String data = mark.get().chomp() ? body.chompedContent() : body.content();
                inline.add(new Command.InlineSource(mark.get().name(), data, mark.get().expand()));
            } else {
                paths.add(source);
            }
        }
        return new Sources(paths, inline, destination);
    }

    private static Command.Onbuild onbuild(Instruction in, Flags flags, Location at) {
        if (in.arguments().isEmpty() || !(in.arguments().getFirst() instanceof Argument.Nested nested)) {
            throw atLeastOne("ONBUILD");
        }
        flags.parse();
        String trigger = nested.instruction().keyword().strip().toUpperCase(Locale.ROOT);
        switch (trigger) {
            case "ONBUILD" -> throw new DockerfileException("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
            case "MAINTAINER", "FROM" -> throw new DockerfileException(trigger + " isn't allowed as an ONBUILD trigger");
            default -> {
            }
        }
        StringBuilder expression = new StringBuilder(ONBUILD_PREFIX.matcher(in.original()).replaceAll(""));
        for (Heredoc doc : in.heredocs()) {
            expression.append('\n').append(doc.content()).append(doc.name());
        }
        Instruction triggerInstruction = new Instruction(nested.instruction().keyword(), nested.instruction().flags(),
                nested.instruction().arguments(), nested.instruction().jsonForm(), in.heredocs(),
                nested.instruction().original(), in.startLine(), in.endLine(), List.of());
        return new Command.Onbuild(expression.toString(), triggerInstruction, at);
    }

    private static Command.Healthcheck healthcheck(Instruction in, List<String> args, Flags flags, Location at) {
        if (args.isEmpty()) {
            throw atLeastOne("HEALTHCHECK");
        }
        String type = args.getFirst().toUpperCase(Locale.ROOT);
        List<String> rest = args.subList(1, args.size());
        if (type.equals("NONE")) {
            if (!rest.isEmpty()) {
                throw new DockerfileException("HEALTHCHECK NONE takes no arguments");
            }
            return new Command.Healthcheck(List.of("NONE"), Duration.ZERO, Duration.ZERO, Duration.ZERO,
                    Duration.ZERO, 0, at);
        }
        flags.string("interval").string("timeout").string("start-period").string("start-interval").string("retries")
                .parse();
        if (!type.equals("CMD")) {
            throw new DockerfileException("Unknown type " + GoStrings.quote(type)
                    + " in HEALTHCHECK (try CMD); write HEALTHCHECK CMD <command> or HEALTHCHECK NONE");
        }
        if (rest.isEmpty()) {
            throw new DockerfileException("Missing command after HEALTHCHECK CMD");
        }
        List<String> test = new ArrayList<>();
        test.add(in.jsonForm() ? "CMD" : "CMD-SHELL");
        test.addAll(in.jsonForm() ? rest : List.of(String.join(" ", rest)));
        Duration interval = interval(flags, "interval");
        Duration timeout = interval(flags, "timeout");
        Duration startPeriod = interval(flags, "start-period");
        Duration startInterval = interval(flags, "start-interval");
        int retries = 0;
        Optional<String> retriesText = flags.value("retries");
        if (retriesText.isPresent()) {
            long value;
            try {
                value = Long.parseLong(retriesText.get());
                if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
                    throw new DockerfileException("strconv.ParseInt: parsing " + GoStrings.quote(retriesText.get())
                            + ": value out of range");
                }
            } catch (NumberFormatException e) {
                throw new DockerfileException("strconv.ParseInt: parsing " + GoStrings.quote(retriesText.get())
                        + ": invalid syntax; --retries takes a whole number");
            }
            if (value < 0) {
                throw new DockerfileException("--retries cannot be negative (" + value + ")");
            }
            retries = (int) value;
        }
        return new Command.Healthcheck(test, interval, timeout, startPeriod, startInterval, retries, at);
    }

    /** BuildKit's parseOptInterval: empty or zero is "default"; otherwise at least 1ms. */
    private static Duration interval(Flags flags, String name) {
        Optional<String> text = flags.value(name);
        if (text.isEmpty()) {
            return Duration.ZERO;
        }
        Duration d;
        try {
            d = GoDuration.parse(text.get());
        } catch (DockerfileException e) {
            throw new DockerfileException("--" + name + ": " + e.getMessage()
                    + "; write a number with a unit, such as 30s, 1m30s or 500ms");
        }
        if (d.isZero()) {
            return Duration.ZERO;
        }
        if (d.compareTo(MINIMUM_INTERVAL) < 0) {
            throw new DockerfileException("Interval \"" + name + "\" cannot be less than 1ms");
        }
        return d;
    }

    private static Command.Volume volume(List<String> args, Flags flags, Location at) {
        if (args.isEmpty()) {
            throw atLeastOne("VOLUME");
        }
        flags.parse();
        List<String> paths = new ArrayList<>();
        for (String arg : args) {
            String v = arg.strip();
            if (v.isEmpty()) {
                throw new DockerfileException("VOLUME specified can not be an empty string");
            }
            paths.add(v);
        }
        return new Command.Volume(paths, at);
    }

    private static Command.Arg arg(List<String> args, Location at) {
        if (args.isEmpty()) {
            throw atLeastOne("ARG");
        }
        List<Command.ArgDefinition> definitions = new ArrayList<>();
        for (String word : args) {
            int eq = word.indexOf('=');
            if (eq < 0) {
                definitions.add(new Command.ArgDefinition(word, Optional.empty()));
                continue;
            }
            if (eq == 0) {
                throw blankNames("ARG");
            }
            definitions.add(new Command.ArgDefinition(word.substring(0, eq), Optional.of(word.substring(eq + 1))));
        }
        return new Command.Arg(definitions, at);
    }

    private static List<Command.KeyValue> keyValues(List<String> args, String command) {
        if (args.isEmpty()) {
            throw atLeastOne(command);
        }
        if (args.size() % 3 != 0) {
            throw new DockerfileException("Bad input to " + command + ", too many arguments");
        }
        List<Command.KeyValue> pairs = new ArrayList<>();
        for (int i = 0; i < args.size(); i += 3) {
            if (args.get(i).isEmpty()) {
                throw blankNames(command);
            }
            pairs.add(new Command.KeyValue(args.get(i), args.get(i + 1)));
        }
        return pairs;
    }

    private static Command.CommandLine commandLine(Instruction in, List<String> args) {
        if (args.isEmpty()) {
            return new Command.CommandLine(List.of(), !in.jsonForm());
        }
        return in.jsonForm()
                ? new Command.CommandLine(args, false)
                : new Command.CommandLine(List.of(String.join(" ", args)), true);
    }

    private static void exactlyOne(List<String> args, String command) {
        if (args.size() != 1) {
            throw new DockerfileException(command + " requires exactly one argument");
        }
    }

    private static DockerfileException atLeastOne(String command) {
        return new DockerfileException(command + " requires at least one argument");
    }

    private static DockerfileException noDestination(String command) {
        return new DockerfileException(command + " requires at least two arguments, but only one was provided."
                + " Destination could not be determined");
    }

    private static DockerfileException blankNames(String command) {
        return new DockerfileException(command + " names can not be blank");
    }
}
