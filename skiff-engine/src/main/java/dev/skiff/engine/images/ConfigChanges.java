package dev.skiff.engine.images;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code docker import --change} and {@code docker commit --change}: Dockerfile instructions that
 * only change the config ({@code CMD}, {@code ENTRYPOINT}, {@code ENV}, {@code EXPOSE},
 * {@code HEALTHCHECK}, {@code LABEL}, {@code ONBUILD}, {@code STOPSIGNAL}, {@code USER}, {@code VOLUME},
 * {@code WORKDIR}), applied in order as dockerd's BuildFromConfig does. Like dockerd, the changes are
 * joined with newlines and read as one Dockerfile, so comments and line continuations work.
 */
public final class ConfigChanges {
    private static final Set<String> ALLOWED = Set.of("cmd", "entrypoint", "env", "expose", "healthcheck", "label",
            "onbuild", "stopsignal", "user", "volume", "workdir");
    /** Dockerfile instructions that exist but change more than the config. */
    private static final Set<String> NOT_CHANGES = Set.of("from", "run", "copy", "add", "arg", "shell", "maintainer");
    private static final Pattern KEYWORD = Pattern.compile("\\s*(\\S+)\\s*(.*)", Pattern.DOTALL);
    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

    private record Instruction(int line, String keyword, String args, String original) {
    }

    /**
     * @throws InvalidChangeException with Docker's wording when an instruction is unknown, not
     *                                allowed as a change, or malformed
     */
    public static ImageConfig.ContainerConfig apply(ImageConfig.ContainerConfig base, List<String> changes) {
        ImageConfig.ContainerConfig c = base;
        boolean cmdSet = false;
        for (Instruction in : instructions(String.join("\n", changes))) {
            String k = in.keyword().toLowerCase(Locale.ROOT);
            if (!ALLOWED.contains(k)) {
                if (NOT_CHANGES.contains(k)) {
                    throw new InvalidChangeException(k + " is not a valid change command");
                }
                throw new InvalidChangeException("dockerfile parse error on line " + in.line()
                        + ": unknown instruction: " + in.keyword()
                        + " (a change is one of CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, "
                        + "STOPSIGNAL, USER, VOLUME, WORKDIR)");
            }
            Map<String, String> env = envMap(c.env());
            String upper = in.keyword().toUpperCase(Locale.ROOT);
            switch (k) {
                case "cmd" -> {
                    c = c.withCmd(command(upper, in.args()));
                    cmdSet = true;
                }
                case "entrypoint" -> {
                    c = c.withEntrypoint(command(upper, in.args()));
                    if (!cmdSet) {
                        c = c.withCmd(List.of()); // Docker: an ENTRYPOINT resets a CMD set before this build
                    }
                }
                case "env" -> {
                    Map<String, String> merged = new LinkedHashMap<>(env);
                    for (Map.Entry<String, String> kv : nameValues(upper, in.args(), env).entrySet()) {
                        merged.remove(kv.getKey()); // replaced in place below, keeping Docker's order
                        merged.put(kv.getKey(), kv.getValue());
                    }
                    c = c.withEnv(replaceEnv(c.env(), merged));
                }
                case "label" -> {
                    Map<String, String> labels = new TreeMap<>(c.labels());
                    labels.putAll(nameValues(upper, in.args(), env));
                    c = c.withLabels(labels);
                }
                case "expose" -> {
                    Set<String> ports = new TreeSet<>(c.exposedPorts());
                    List<String> words = Words.split(in.args());
                    if (words.isEmpty()) {
                        throw new InvalidChangeException("EXPOSE requires at least one argument");
                    }
                    for (String w : words) {
                        ports.addAll(ports(Words.process(w, env)));
                    }
                    c = c.withExposedPorts(ports);
                }
                case "user" -> c = c.withUser(single(upper, in.args(), env));
                case "workdir" -> c = c.withWorkingDir(workdir(c.workingDir(), single(upper, in.args(), env)));
                case "stopsignal" -> c = c.withStopSignal(signal(single(upper, in.args(), env)));
                case "volume" -> {
                    Set<String> volumes = new TreeSet<>(c.volumes());
                    List<String> paths = jsonArray(in.args()).orElseGet(() -> Words.split(in.args()));
                    if (paths.isEmpty()) {
                        throw new InvalidChangeException("VOLUME requires at least one argument");
                    }
                    for (String p : paths) {
                        String v = Words.process(p, env).strip();
                        if (v.isEmpty()) {
                            throw new InvalidChangeException("VOLUME specified can not be an empty string");
                        }
                        volumes.add(v);
                    }
                    c = c.withVolumes(volumes);
                }
                case "onbuild" -> {
                    Matcher m = KEYWORD.matcher(in.args());
                    if (in.args().isBlank() || !m.matches()) {
                        throw new InvalidChangeException("ONBUILD requires at least one argument");
                    }
                    String trigger = m.group(1).toUpperCase(Locale.ROOT);
                    if (trigger.equals("ONBUILD")) {
                        throw new InvalidChangeException("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
                    }
                    if (trigger.equals("FROM") || trigger.equals("MAINTAINER")) {
                        throw new InvalidChangeException(trigger + " isn't allowed as an ONBUILD trigger");
                    }
                    List<String> onBuild = new ArrayList<>(c.onBuild());
                    onBuild.add(in.args().strip());
                    c = c.withOnBuild(onBuild);
                }
                case "healthcheck" -> c = c.withHealthcheck(Optional.of(healthcheck(in.args())));
                default -> throw new IllegalStateException("unhandled change " + k);
            }
        }
        return c;
    }

    /** Logical lines: continuations joined, blank lines and comments dropped. */
    private static List<Instruction> instructions(String text) {
        List<Instruction> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        StringBuilder current = null;
        int start = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (current == null) {
                if (line.isBlank() || line.stripLeading().startsWith("#")) {
                    continue;
                }
                current = new StringBuilder();
                start = i + 1;
            } else if (line.stripLeading().startsWith("#")) {
                continue; // a comment inside a continued instruction
            }
            String stripped = line.stripTrailing();
            if (stripped.endsWith("\\")) {
                current.append(stripped, 0, stripped.length() - 1);
                continue;
            }
            current.append(line);
            out.add(instruction(start, current.toString()));
            current = null;
        }
        if (current != null && !current.toString().isBlank()) {
            out.add(instruction(start, current.toString()));
        }
        return out;
    }

    private static Instruction instruction(int line, String text) {
        Matcher m = KEYWORD.matcher(text);
        if (!m.matches()) {
            throw new InvalidChangeException("dockerfile parse error on line " + line + ": empty instruction");
        }
        return new Instruction(line, m.group(1), m.group(2).strip(), text);
    }

    /** Exec form (a JSON array of strings) as it is; shell form through {@code /bin/sh -c}. */
    private static List<String> command(String keyword, String args) {
        Optional<List<String>> exec = jsonArray(args);
        if (exec.isPresent()) {
            return exec.get();
        }
        if (args.isBlank()) {
            throw new InvalidChangeException(keyword + " requires at least one argument");
        }
        return List.of("/bin/sh", "-c", args);
    }

    /** BuildKit's rule: text that parses as a JSON array of strings is exec form; anything else is shell form. */
    private static Optional<List<String>> jsonArray(String args) {
        String t = args.strip();
        if (!t.startsWith("[")) {
            return Optional.empty();
        }
        try {
            return Optional.of(ImageConfigCodec.JSON.readValue(t, new TypeReference<List<String>>() { }))
                    .filter(l -> l.stream().allMatch(java.util.Objects::nonNull));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    /** {@code k=v k2="v 2"}, or the legacy {@code k the rest is the value}. */
    private static Map<String, String> nameValues(String keyword, String args, Map<String, String> env) {
        List<String> words = Words.split(args);
        if (words.isEmpty()) {
            throw new InvalidChangeException(keyword + " requires at least one argument");
        }
        Map<String, String> out = new LinkedHashMap<>();
        if (!words.getFirst().contains("=")) {
            String[] legacy = args.strip().split("\\s+", 2);
            if (legacy.length < 2) {
                throw new InvalidChangeException(keyword + " must have two arguments");
            }
            out.put(Words.process(legacy[0], env), Words.process(legacy[1], env));
            return out;
        }
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq <= 0) {
                throw new InvalidChangeException("Syntax error - can't find = in \"" + w
                        + "\". Must be of the form: name=value");
            }
            out.put(Words.process(w.substring(0, eq), env), Words.process(w.substring(eq + 1), env));
        }
        return out;
    }

    private static Map<String, String> envMap(List<String> env) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            map.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
        }
        return map;
    }

    /** Docker keeps a variable where it was first set and appends new ones. */
    private static List<String> replaceEnv(List<String> before, Map<String, String> merged) {
        List<String> out = new ArrayList<>();
        Map<String, String> rest = new LinkedHashMap<>(merged);
        for (String e : before) {
            int eq = e.indexOf('=');
            String key = eq < 0 ? e : e.substring(0, eq);
            if (rest.containsKey(key)) {
                out.add(key + "=" + rest.remove(key));
            }
        }
        rest.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    private static String single(String keyword, String args, Map<String, String> env) {
        if (args.isBlank()) {
            throw new InvalidChangeException(keyword + " requires exactly one argument");
        }
        return Words.process(args.strip(), env);
    }

    /** A relative WORKDIR is relative to the previous one, as in a Dockerfile. */
    private static String workdir(String current, String requested) {
        String joined = requested.startsWith("/") ? requested
                : (current.isEmpty() ? "/" : current) + "/" + requested;
        List<String> parts = new ArrayList<>();
        for (String p : joined.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.removeLast();
                }
            } else {
                parts.add(p);
            }
        }
        return "/" + String.join("/", parts);
    }

    /** {@code 80}, {@code 80/udp}, {@code 8000-8002/tcp} become {@code 80/tcp}, ... one entry per port. */
    private static List<String> ports(String spec) {
        String[] parts = spec.split("/", -1);
        if (parts.length > 2 || parts[0].isEmpty()) {
            throw new InvalidChangeException("invalid port to expose: \"" + spec + "\"; use PORT[/PROTOCOL], "
                    + "for example 80/tcp");
        }
        String proto = parts.length == 2 ? parts[1].toLowerCase(Locale.ROOT) : "tcp";
        if (!Set.of("tcp", "udp", "sctp").contains(proto)) {
            throw new InvalidChangeException("invalid proto: " + parts[1] + " (use tcp, udp or sctp)");
        }
        String[] range = parts[0].split("-", -1);
        int from = port(range[0], spec);
        int to = range.length == 2 ? port(range[1], spec) : from;
        if (range.length > 2 || to < from) {
            throw new InvalidChangeException("invalid range specified for container port: " + parts[0]);
        }
        List<String> out = new ArrayList<>();
        for (int p = from; p <= to; p++) {
            out.add(p + "/" + proto);
        }
        return out;
    }

    private static int port(String text, String spec) {
        try {
            int p = Integer.parseInt(text);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new InvalidChangeException("invalid containerPort: " + text + " in \"" + spec + "\"");
    }

    private static final Pattern SIGNAL = Pattern.compile("\\d+|(SIG)?[A-Z][A-Z0-9]*([+-]\\d+)?");

    private static String signal(String s) {
        if (!SIGNAL.matcher(s.toUpperCase(Locale.ROOT)).matches()) {
            throw new InvalidChangeException("invalid signal: " + s + "; give a name like SIGTERM or a number");
        }
        return s;
    }

    /** {@code NONE}, or {@code [--interval=D] [--timeout=D] [--start-period=D] [--start-interval=D] [--retries=N] CMD ...}. */
    private static ImageConfig.HealthConfig healthcheck(String args) {
        String rest = args.strip();
        Map<String, String> flags = new LinkedHashMap<>();
        while (rest.startsWith("--")) {
            String[] split = rest.split("\\s+", 2);
            String flag = split[0];
            int eq = flag.indexOf('=');
            if (eq < 0) {
                throw new InvalidChangeException("HEALTHCHECK flag " + flag + " needs a value: " + flag + "=VALUE");
            }
            flags.put(flag.substring(2, eq), flag.substring(eq + 1));
            rest = split.length > 1 ? split[1].strip() : "";
        }
        if (rest.isEmpty()) {
            throw new InvalidChangeException("Missing command after HEALTHCHECK");
        }
        String[] kw = rest.split("\\s+", 2);
        String type = kw[0].toUpperCase(Locale.ROOT);
        if (type.equals("NONE")) {
            if (kw.length > 1 || !flags.isEmpty()) {
                throw new InvalidChangeException("HEALTHCHECK NONE takes no arguments");
            }
            return new ImageConfig.HealthConfig(List.of("NONE"), Duration.ZERO, Duration.ZERO, Duration.ZERO,
                    Duration.ZERO, 0);
        }
        if (!type.equals("CMD")) {
            throw new InvalidChangeException("Unknown type \"" + kw[0] + "\" in HEALTHCHECK (try CMD)");
        }
        String cmdArgs = kw.length > 1 ? kw[1] : "";
        List<String> test = new ArrayList<>();
        Optional<List<String>> exec = jsonArray(cmdArgs);
        if (exec.isPresent()) {
            test.add("CMD");
            test.addAll(exec.get());
        } else if (cmdArgs.isBlank()) {
            throw new InvalidChangeException("Missing command after HEALTHCHECK CMD");
        } else {
            test.add("CMD-SHELL");
            test.add(cmdArgs);
        }
        Duration interval = Duration.ZERO;
        Duration timeout = Duration.ZERO;
        Duration startPeriod = Duration.ZERO;
        Duration startInterval = Duration.ZERO;
        int retries = 0;
        for (Map.Entry<String, String> f : flags.entrySet()) {
            switch (f.getKey()) {
                case "interval" -> interval = duration(f.getKey(), f.getValue());
                case "timeout" -> timeout = duration(f.getKey(), f.getValue());
                case "start-period" -> startPeriod = duration(f.getKey(), f.getValue());
                case "start-interval" -> startInterval = duration(f.getKey(), f.getValue());
                case "retries" -> {
                    try {
                        retries = Integer.parseInt(f.getValue());
                    } catch (NumberFormatException e) {
                        retries = -1;
                    }
                    if (retries < 0) {
                        throw new InvalidChangeException("--retries must be a whole number >= 0, got " + f.getValue());
                    }
                }
                default -> throw new InvalidChangeException("Unknown flag: " + f.getKey() + " (HEALTHCHECK takes "
                        + "--interval, --timeout, --start-period, --start-interval, --retries)");
            }
        }
        return new ImageConfig.HealthConfig(test, interval, timeout, startPeriod, startInterval, retries);
    }

    /** Go's time.ParseDuration for the positive durations a HEALTHCHECK takes ({@code 30s}, {@code 1m30s}). */
    static Duration duration(String flag, String text) {
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = GO_DURATION.matcher(text);
        int at = 0;
        java.math.BigDecimal nanos = java.math.BigDecimal.ZERO;
        while (at < text.length() && m.find(at) && m.start() == at) {
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            nanos = nanos.add(new java.math.BigDecimal(m.group(1)).multiply(java.math.BigDecimal.valueOf(unit)));
            at = m.end();
        }
        if (at == 0 || at != text.length()) {
            throw new InvalidChangeException("invalid duration for --" + flag + ": \"" + text
                    + "\"; use a Go duration like 30s, 1m30s or 500ms");
        }
        return Duration.ofNanos(nanos.longValue());
    }

    private ConfigChanges() {
    }
}
