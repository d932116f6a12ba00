package dev.skiff.daemon.api;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code GET /containers/json}'s filters with dockerd's meaning: which containers {@code docker ps} lists.
 * Values are checked before anything is listed, so a bad one is a 400 that names it, as dockerd answers.
 */
final class ContainerListFilter {
    static final Set<String> NAMES = Set.of("id", "name", "status", "label", "ancestor", "exited", "before", "since",
            "health", "volume", "network", "publish", "expose", "is-task", "isolation");
    private static final List<String> STATES = List.of("created", "running", "paused", "restarting", "removing", "exited", "dead");
    private static final List<String> HEALTHS = List.of("none", "starting", "healthy", "unhealthy");

    /** What the filters look at in one container; the list is newest first, as dockerd's is. */
    record Candidate(String id, String name /* with docker's leading slash */, String state, boolean running, int exitCode, Map<String, String> labels,
                     String imageId, String health, List<Volume> mounts, Map<String, String> networkIds, List<Port> ports) {
    }

    /** A mount: a volume's name (empty for a bind) and its source and destination. */
    record Volume(String name, String source, String destination) {
    }

    /** A port as the list shows it: public is 0 when the port is only exposed. */
    record Port(int privatePort, int publicPort, String protocol) {
    }

    private final Filters filters;
    private final boolean all;
    private final Set<Integer> exited = new HashSet<>();
    private final Set<String> ancestors;
    private final Optional<String> before;
    private final Optional<String> since;
    private final Set<String> publish = new HashSet<>();
    private final Set<String> expose = new HashSet<>();
    private final Optional<Boolean> task;

    /**
     * @param findContainer a container reference (ID, name or unique ID prefix) to its ID, for before and since
     * @param findImage     an image reference to its ID, for ancestor; empty when there is no such image
     * @throws ApiException 400 for a value dockerd refuses, 404 for an unknown container in before or since
     */
    ContainerListFilter(Filters filters, boolean all, Function<String, Optional<String>> findContainer,
                        Function<String, Optional<String>> findImage) {
        this.filters = filters;
        for (String v : filters.get("exited")) {
            try {
                exited.add(Integer.parseInt(v));
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("invalid filter 'exited=" + v + "': strconv.Atoi: parsing \"" + v + "\": invalid syntax");
            }
        }
        for (String v : filters.get("status")) {
            if (!STATES.contains(v)) {
                throw ApiException.badRequest("invalid filter 'status=" + v + "': invalid value for state (" + v + "): must be one of "
                        + String.join(", ", STATES));
            }
        }
        for (String v : filters.get("health")) {
            if (!HEALTHS.contains(v)) {
                throw ApiException.badRequest("invalid filter 'health=" + v + "': invalid value for health (" + v + "): must be one of "
                        + String.join(", ", HEALTHS));
            }
        }
        for (String v : filters.get("isolation")) {
            if (!v.equals("default")) {
                throw ApiException.badRequest("invalid filter 'isolation=" + v + "': only 'default' isolation is supported on Linux");
            }
        }
        this.task = filters.has("is-task") ? Optional.of(filters.bool("is-task", false)) : Optional.empty();
        // a status filter lists stopped containers too, as dockerd does; exited alone does not
        this.all = all || filters.has("status");
        this.before = container(filters, "before", findContainer);
        this.since = container(filters, "since", findContainer);
        Set<String> images = new HashSet<>();
        filters.get("ancestor").forEach(a -> findImage.apply(a).ifPresent(images::add));
        this.ancestors = images;
        ports(filters, "publish", publish);
        ports(filters, "expose", expose);
    }

    private static Optional<String> container(Filters filters, String name, Function<String, Optional<String>> find) {
        String id = null;
        for (String ref : filters.get(name)) {
            id = find.apply(ref).orElseThrow(() -> ApiException.notFound("No such container: " + ref));
        }
        return Optional.ofNullable(id);
    }

    // 80, 80/udp or 8000-8080/tcp, each port of a range on its own
    private static void ports(Filters filters, String name, Set<String> into) {
        for (String v : filters.get(name)) {
            if (v.contains(":")) {
                throw ApiException.badRequest("filter for '" + name + "' should not contain ':': " + v);
            }
            String[] portAndProtocol = v.split("/", 2);
            String protocol = portAndProtocol.length == 2 ? portAndProtocol[1].toLowerCase() : "tcp";
            String[] range = portAndProtocol[0].split("-", 2);
            int first = port(name, v, range[0]);
            int last = range.length == 2 ? port(name, v, range[1]) : first;
            if (last < first || !Set.of("tcp", "udp", "sctp").contains(protocol)) {
                throw ApiException.badRequest("error while looking up for " + name + " " + v + ": invalid port range or protocol");
            }
            for (int p = first; p <= last; p++) {
                into.add(p + "/" + protocol);
            }
        }
    }

    private static int port(String name, String value, String port) {
        try {
            int p = Integer.parseInt(port);
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ApiException.badRequest("error while looking up for " + name + " " + value + ": invalid port '" + port + "'");
    }

    /** The candidates (newest first) that pass, at most {@code limit} of them when it is positive. */
    <T> List<T> apply(List<Candidate> newestFirst, int limit, Function<Candidate, T> show) {
        List<T> out = new ArrayList<>();
        boolean beforeSeen = before.isEmpty();
        for (Candidate c : newestFirst) {
            if (!beforeSeen) {
                beforeSeen = c.id().equals(before.get());
                continue;
            }
            if (since.isPresent() && c.id().equals(since.get())) {
                break;
            }
            if (limit > 0 && out.size() >= limit) {
                break;
            }
            if (matches(c, limit)) {
                out.add(show.apply(c));
            }
        }
        return out;
    }

    private boolean matches(Candidate c, int limit) {
        if (!c.running() && !all && limit <= 0) {
            return false;
        }
        if (filters.has("name") && filters.get("name").stream().noneMatch(p -> find(p, c.name()) || find(p, c.name().substring(1)))) {
            return false;
        }
        if (filters.has("id") && filters.get("id").stream().noneMatch(p -> find(p, c.id()))) {
            return false;
        }
        if (task.isPresent() && task.get()) {
            return false; // no container here is a swarm task
        }
        if (!filters.matchLabels("label", c.labels())) {
            return false;
        }
        if (!exited.isEmpty() && (c.running() || !c.state().equals("exited") || !exited.contains(c.exitCode()))) {
            return false;
        }
        if (filters.has("status") && !filters.get("status").contains(c.state())) {
            return false;
        }
        if (filters.has("health") && !filters.get("health").contains(c.health())) {
            return false;
        }
        if (filters.has("volume") && filters.get("volume").stream().noneMatch(v -> c.mounts().stream()
                .anyMatch(m -> v.equals(m.destination()) || v.equals(m.name().isEmpty() ? m.source() : m.name())))) {
            return false;
        }
        if (filters.has("ancestor") && !ancestors.contains(c.imageId())) {
            return false;
        }
        if (filters.has("network") && filters.get("network").stream().noneMatch(n -> c.networkIds().containsKey(n)
                || c.networkIds().values().stream().anyMatch(id -> id.startsWith(n)))) {
            return false;
        }
        if (!publish.isEmpty() || !expose.isEmpty()) {
            return c.ports().stream().anyMatch(p -> publish.contains(p.publicPort() + "/" + p.protocol())
                    || expose.contains(p.privatePort() + "/" + p.protocol()));
        }
        return true;
    }

    // dockerd matches names and IDs as regular expressions; one that does not compile matches as text
    private static boolean find(String pattern, String text) {
        try {
            return Pattern.compile(pattern).matcher(text).find();
        } catch (PatternSyntaxException e) {
            return text.contains(pattern);
        }
    }
}
