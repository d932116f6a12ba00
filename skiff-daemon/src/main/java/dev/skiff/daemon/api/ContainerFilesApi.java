package dev.skiff.daemon.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.containers.Container;
import dev.skiff.engine.containers.ContainerCommitter;
import dev.skiff.engine.containers.ContainerEngine;
import dev.skiff.engine.containers.ContainerException;
import dev.skiff.engine.containers.ContainerFiles;
import dev.skiff.engine.containers.PathNotFoundException;
import dev.skiff.engine.content.ContentStore;
import dev.skiff.engine.images.Image;
import dev.skiff.engine.images.ImageNotFoundException;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.engine.images.InvalidChangeException;
import dev.skiff.engine.snapshots.SnapshotException;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.ImageReference;
import dev.skiff.http.Exchange;
import io.netty.handler.codec.http.HttpMethod;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The routes that work on a container's files: {@code cp} ({@code HEAD/GET/PUT
 * /containers/{id}/archive}), {@code export}, {@code commit} ({@code POST /commit}) and {@code
 * container prune}. Answers are dockerd's: the path stat travels base64-encoded in {@code
 * X-Docker-Container-Path-Stat}, archives as {@code application/x-tar}.
 */
final class ContainerFilesApi {
    private static final String TAR = "application/x-tar";
    private static final String STAT_HEADER = "X-Docker-Container-Path-Stat";
    private static final Set<String> PRUNE_FILTERS = Set.of("until", "label", "label!");

    private final ContainerEngine containers;
    private final ContainerFiles files;
    private final ContainerCommitter committer;

    ContainerFilesApi(ContainerEngine containers, ContentStore content, ImageStore images) {
        this.containers = containers;
        this.files = new ContainerFiles(containers);
        this.committer = new ContainerCommitter(containers, files, content, images);
    }

    /** Handles {@code path} if it is one of these routes; false otherwise. */
    boolean route(Exchange ex, String path) throws InterruptedException {
        HttpMethod m = ex.method();
        try {
            if (path.equals("/commit")) {
                EngineApi.allow(m, HttpMethod.POST);
                commit(ex);
                return true;
            }
            if (path.equals("/containers/prune")) {
                EngineApi.allow(m, HttpMethod.POST);
                prune(ex);
                return true;
            }
            if (!path.startsWith("/containers/")) {
                return false;
            }
            String rest = path.substring("/containers/".length());
            int slash = rest.indexOf('/');
            if (slash <= 0) {
                return false;
            }
            String ref = rest.substring(0, slash);
            switch (rest.substring(slash + 1)) {
                case "archive" -> archive(ex, ref);
                case "export" -> {
                    EngineApi.allow(m, HttpMethod.GET);
                    containers.get(ref);
                    stream(ex, out -> files.export(ref, out), "exporting " + ref);
                }
                default -> {
                    return false;
                }
            }
            return true;
        } catch (ContainerException.NotFound | PathNotFoundException | ImageNotFoundException e) {
            throw ApiException.notFound(e.getMessage());
        } catch (ContainerException.Conflict e) {
            throw ApiException.conflict(e.getMessage());
        } catch (ContainerException.InvalidArgument | SnapshotException | InvalidChangeException | FormatException e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (ContainerException e) {
            throw new ApiException(500, e.getMessage());
        } catch (IOException e) {
            throw new ApiException(500, "the container's files could not be read or written: " + e.getMessage());
        }
    }

    private void archive(Exchange ex, String ref) throws IOException, InterruptedException {
        String path = ex.query("path").filter(p -> !p.isEmpty())
                .orElseThrow(() -> ApiException.badRequest("path is required: the path in the container to copy"));
        HttpMethod m = ex.method();
        if (m.equals(HttpMethod.PUT)) {
            boolean noOverwrite = ex.query("noOverwriteDirNonDir").map(v -> v.equals("1") || v.equalsIgnoreCase("true")).orElse(false);
            try (BodyStream body = new BodyStream(ex)) {
                try {
                    files.extract(ref, path, body, noOverwrite);
                } catch (IOException | RuntimeException e) {
                    body.drain();
                    throw e;
                }
            }
            ex.send(200, Map.of(), new byte[0], "text/plain");
            return;
        }
        EngineApi.allow(m, HttpMethod.GET, HttpMethod.HEAD);
        ContainerFiles.PathStat stat = files.stat(ref, path);
        Map<String, String> headers = Map.of(STAT_HEADER, statHeader(stat));
        if (m.equals(HttpMethod.HEAD)) {
            ex.send(200, headers, new byte[0], "text/plain");
            return;
        }
        try {
            ex.sendStream(200, headers, TAR, out -> files.archive(ref, path, out));
        } catch (IOException | RuntimeException e) {
            System.err.println("skiff daemon: copying " + path + " from " + ref + " failed midway: " + e.getMessage());
        }
    }

    private void stream(Exchange ex, Exchange.BodyWriter writer, String what) {
        try {
            ex.sendStream(200, Map.of(), TAR, writer);
        } catch (IOException | RuntimeException e) {
            // the head is out: all that is left is to cut the connection (done) and say why in the log
            System.err.println("skiff daemon: " + what + " failed midway: " + e.getMessage());
        }
    }

    static String statHeader(ContainerFiles.PathStat s) {
        ObjectNode n = EngineApi.JSON.createObjectNode();
        n.put("name", s.name());
        n.put("size", s.size());
        n.put("mode", s.mode());
        n.put("mtime", s.mtime().toString());
        n.put("linkTarget", s.linkTarget());
        return Base64.getEncoder().encodeToString(n.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void commit(Exchange ex) throws InterruptedException {
        ex.readBody(4 << 20); // the CLI's Config body; the container's own config is what docker commits without one
        String ref = ex.query("container").filter(s -> !s.isEmpty())
                .orElseThrow(() -> ApiException.badRequest("container is required: the container to commit"));
        Optional<String> reference = Optional.empty();
        Optional<String> repo = ex.query("repo").filter(s -> !s.isEmpty());
        if (repo.isPresent()) {
            String tag = ex.query("tag").filter(t -> !t.isEmpty()).orElse("");
            reference = Optional.of(ImageReference.parse(tag.isEmpty() ? repo.get() : repo.get() + ":" + tag).withDefaultTag().toString());
        }
        boolean pause = ex.query("pause").map(v -> !(v.equals("0") || v.equalsIgnoreCase("false"))).orElse(true);
        Image image = committer.commit(ref, new ContainerCommitter.Options(reference, ex.query("comment").orElse(""),
                ex.query("author").orElse(""), pause, ex.queryAll("changes")));
        EngineApi.sendJson(ex, 201, EngineApi.JSON.createObjectNode().put("Id", image.id().toString()));
    }

    private void prune(Exchange ex) {
        Filters filters = Filters.parse(ex.query("filters"), PRUNE_FILTERS);
        Optional<Instant> until = filters.get("until").stream().findFirst().map(ContainerFilesApi::until);
        ArrayNode deleted = EngineApi.JSON.createArrayNode();
        long reclaimed = 0;
        for (Container c : containers.list()) {
            if (c.state().running() || until.map(u -> !c.created().isBefore(u)).orElse(false)
                    || !filters.matchLabels("label", c.config().labels())
                    || (filters.has("label!") && !filters.get("label!").isEmpty() && matchesAny(filters, c.config().labels()))) {
                continue;
            }
            long size = files.sizeRw(c);
            try {
                containers.remove(c.id(), false);
                deleted.add(c.id());
                reclaimed += size;
            } catch (ContainerException e) {
                System.err.println("skiff daemon: pruning container " + c.shortId() + " failed: " + e.getMessage());
            }
        }
        ObjectNode answer = EngineApi.JSON.createObjectNode();
        answer.set("ContainersDeleted", deleted);
        answer.put("SpaceReclaimed", reclaimed);
        EngineApi.sendJson(ex, 200, answer);
    }

    private static boolean matchesAny(Filters filters, Map<String, String> labels) {
        for (String want : filters.get("label!")) {
            int eq = want.indexOf('=');
            if (eq < 0 ? labels.containsKey(want) : want.substring(eq + 1).equals(labels.get(want.substring(0, eq)))) {
                return true;
            }
        }
        return false;
    }

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(h|m|s|ms)");

    /** docker's {@code until}: a Unix timestamp, an RFC 3339 time, or a Go duration before now ({@code 10m}). */
    static Instant until(String text) {
        try {
            if (text.matches("\\d+(\\.\\d+)?")) {
                double seconds = Double.parseDouble(text);
                return Instant.ofEpochSecond((long) seconds, (long) ((seconds % 1) * 1e9));
            }
            if (text.contains("T")) {
                return OffsetDateTime.parse(text).toInstant();
            }
            Matcher m = DURATION_PART.matcher(text);
            Duration d = Duration.ZERO;
            int end = 0;
            while (m.find() && m.start() == end) {
                double v = Double.parseDouble(m.group(1));
                long nanos = (long) (v * switch (m.group(2)) {
                    case "h" -> 3600e9;
                    case "m" -> 60e9;
                    case "s" -> 1e9;
                    default -> 1e6;
                });
                d = d.plusNanos(nanos);
                end = m.end();
            }
            if (end == 0 || end != text.length()) {
                throw new IllegalArgumentException(text);
            }
            return Instant.now().minus(d);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("invalid filter 'until=" + text + "': give a Unix timestamp, an RFC 3339 time or a duration such as 10m");
        }
    }
}
