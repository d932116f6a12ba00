package dev.skiff.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.containers.Container;
import dev.skiff.engine.containers.ContainerEngine;
import dev.skiff.engine.containers.ContainerException;
import dev.skiff.engine.containers.ExecSessions;
import dev.skiff.engine.sys.SeqPacketSocket;
import dev.skiff.http.Exchange;
import io.netty.handler.codec.http.HttpMethod;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * docker exec's routes: {@code POST /containers/{id}/exec}, {@code POST /exec/{id}/start},
 * {@code GET /exec/{id}/json} and {@code POST /exec/{id}/resize}, as docker CLI 28 calls them. An
 * attached start is hijacked like attach and joined to the exec's conmon attach socket before the
 * process runs; the stream ends only once the exit code is recorded, because the CLI inspects the
 * exec for it the moment the stream closes. A command the runtime cannot run is told on the stream,
 * as dockerd does, with 126/127 recorded as the exit code.
 */
final class ExecApi {
    private static final String EXEC_PREFIX = "/exec/";
    /** How long, after conmon closed the stream, the exit code may take to arrive; longer means the client detached. */
    private static final long EXIT_GRACE_SECONDS = 5;

    private final ContainerEngine containers;
    private final ExecSessions execs;

    ExecApi(ContainerEngine containers) {
        this.containers = containers;
        this.execs = containers.execs();
    }

    /** Handles {@code path} if it is an exec route; false otherwise. */
    boolean route(Exchange ex, String path) throws InterruptedException {
        HttpMethod m = ex.method();
        try {
            if (path.startsWith("/containers/") && path.endsWith("/exec")) {
                String ref = path.substring("/containers/".length(), path.length() - "/exec".length());
                if (ref.isEmpty() || ref.contains("/")) {
                    return false;
                }
                EngineApi.allow(m, HttpMethod.POST);
                create(ex, ref);
                return true;
            }
            if (!path.startsWith(EXEC_PREFIX)) {
                return false;
            }
            String rest = path.substring(EXEC_PREFIX.length());
            int slash = rest.indexOf('/');
            if (slash <= 0) {
                return false;
            }
            String id = rest.substring(0, slash);
            if (execs.find(id).isEmpty()) {
                throw ApiException.notFound("No such exec instance: " + id);
            }
            switch (rest.substring(slash + 1)) {
                case "start" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    start(ex, id);
                }
                case "json" -> {
                    EngineApi.allow(m, HttpMethod.GET);
                    EngineApi.sendJson(ex, 200, inspect(execs.get(id)));
                }
                case "resize" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    execs.resize(id, dimension(ex, "h"), dimension(ex, "w"));
                    ex.send(200, Map.of(), new byte[0], "text/plain; charset=utf-8");
                }
                default -> {
                    return false;
                }
            }
            return true;
        } catch (ContainerException.NotFound e) {
            throw ApiException.notFound(e.getMessage());
        } catch (ContainerException.Conflict e) {
            throw ApiException.conflict(e.getMessage());
        } catch (ContainerException.InvalidArgument e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (ContainerException.StartFailed e) {
            throw new ApiException(e.userError() ? 400 : 500, e.getMessage());
        } catch (ContainerException.HostFailure e) {
            throw new ApiException(500, e.getMessage());
        }
    }

    // ---- create

    private void create(Exchange ex, String ref) throws InterruptedException {
        JsonNode body = body(ex);
        List<String> cmd = strings(body.get("Cmd"), "Cmd");
        if (cmd.isEmpty()) {
            throw ApiException.badRequest("No exec command specified");
        }
        int height = 0;
        int width = 0;
        JsonNode size = body.get("ConsoleSize");
        if (size != null && size.isArray() && size.size() == 2) {
            height = size.get(0).asInt();
            width = size.get(1).asInt();
        }
        ContainerAttach.detachKeys(body.path("DetachKeys").asText("")); // refused now, as dockerd refuses them at create
        ExecSessions.ExecConfig config = new ExecSessions.ExecConfig(cmd, strings(body.get("Env"), "Env"),
                body.path("User").asText(""), body.path("WorkingDir").asText(""), body.path("Tty").asBoolean(false),
                body.path("AttachStdin").asBoolean(false), body.path("AttachStdout").asBoolean(false),
                body.path("AttachStderr").asBoolean(false), body.path("Privileged").asBoolean(false),
                body.path("DetachKeys").asText(""), height, width);
        ExecSessions.Exec exec = execs.create(ref, config);
        ObjectNode out = EngineApi.JSON.createObjectNode();
        out.put("Id", exec.id());
        EngineApi.sendJson(ex, 201, out);
    }

    // ---- start

    private void start(Exchange ex, String id) throws InterruptedException {
        JsonNode body = body(ex);
        boolean detach = body.path("Detach").asBoolean(false);
        ExecSessions.Exec exec = execs.get(id);
        Container c = containers.get(exec.containerId());
        if (!c.state().running()) {
            throw ApiException.conflict("Container " + c.id() + " is not running");
        }
        if (detach) {
            execs.start(id, socket -> {
            });
            ex.send(200, Map.of(), new byte[0], EngineApi.JSON_TYPE);
            return;
        }
        boolean tty = exec.config().tty();
        Exchange.Hijacked raw = hijack(ex);
        AtomicReference<SeqPacketSocket> socket = new AtomicReference<>();
        try {
            execs.start(id, path -> {
                try {
                    socket.set(SeqPacketSocket.connect(path));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (ContainerException e) {
            // dockerd's way: the error goes down the stream as output, the exit code to inspect
            SeqPacketSocket s = socket.get();
            if (s != null) {
                s.close();
            }
            tell(raw, tty, e.getMessage());
            return;
        } catch (UncheckedIOException e) {
            tell(raw, tty, "cannot reach the exec's streams: " + e.getCause().getMessage());
            return;
        }
        SeqPacketSocket conmon = socket.get();
        AttachPump.pump(conmon, raw, tty, new AttachPump.Streams(exec.config().attachStdin(),
                exec.config().attachStdout(), exec.config().attachStderr()), ContainerAttach.detachKeys(exec.config().detachKeys()));
        // the CLI inspects the exec for its exit code the moment the stream ends; after a detach
        // (Ctrl-P Ctrl-Q) the process goes on and there is none
        execs.awaitExit(id, Duration.ofSeconds(EXIT_GRACE_SECONDS));
        raw.shutdownOutput();
    }

    private static void tell(Exchange.Hijacked raw, boolean tty, String message) {
        byte[] text = (message + "\r\n").getBytes(StandardCharsets.UTF_8);
        try {
            raw.output().write(tty ? text : AttachPump.frame(1, text));
            raw.output().flush();
        } catch (IOException e) {
            // the client left
        }
        raw.shutdownOutput();
    }

    /** dockerd's exec upgrade carries its usual headers too, unlike a container attach's. */
    private static Exchange.Hijacked hijack(Exchange ex) throws InterruptedException {
        boolean upgrade = ex.header("Upgrade").map(u -> u.equalsIgnoreCase("tcp")).orElse(false);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/vnd.docker.raw-stream");
        if (upgrade) {
            headers.put("Connection", "Upgrade");
            headers.put("Upgrade", "tcp");
        }
        headers.putAll(new java.util.TreeMap<>(EngineApi.DEFAULT_HEADERS));
        return upgrade ? ex.hijack(101, "101 UPGRADED", headers) : ex.hijack(200, "200 OK", headers);
    }

    // ---- inspect

    private static ObjectNode inspect(ExecSessions.Exec e) {
        ObjectNode out = EngineApi.JSON.createObjectNode();
        out.put("ID", e.id());
        out.put("Running", e.running());
        if (e.exitCode().isPresent()) {
            out.put("ExitCode", e.exitCode().getAsInt());
        } else {
            out.putNull("ExitCode");
        }
        ObjectNode pc = out.putObject("ProcessConfig");
        pc.put("tty", e.config().tty());
        pc.put("entrypoint", e.config().cmd().getFirst());
        ArrayNode args = pc.putArray("arguments");
        e.config().cmd().stream().skip(1).forEach(args::add);
        pc.put("privileged", e.config().privileged());
        if (!e.config().user().isEmpty()) {
            pc.put("user", e.config().user());
        }
        out.put("OpenStdin", e.config().attachStdin());
        out.put("OpenStderr", e.config().attachStderr());
        out.put("OpenStdout", e.config().attachStdout());
        out.put("CanRemove", false);
        out.put("ContainerID", e.containerId());
        out.put("DetachKeys", e.config().detachKeys());
        out.put("Pid", e.pid());
        return out;
    }

    // ---- helpers

    private static JsonNode body(Exchange ex) throws InterruptedException {
        byte[] bytes = ex.readBody(1 << 20).orElseThrow(() -> ApiException.badRequest("the request body is larger than 1 MiB"));
        if (bytes.length == 0) {
            return EngineApi.JSON.createObjectNode();
        }
        try {
            JsonNode n = EngineApi.JSON.readTree(bytes);
            if (n == null || !n.isObject()) {
                throw ApiException.badRequest("the request body must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw ApiException.badRequest("invalid JSON in the request body: " + e.getMessage());
        }
    }

    private static List<String> strings(JsonNode n, String field) {
        List<String> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw ApiException.badRequest(field + " must be an array of strings");
        }
        n.forEach(v -> out.add(v.asText()));
        return out;
    }

    private static int dimension(Exchange ex, String name) {
        String v = ex.query(name).orElse("0");
        try {
            int n = Integer.parseInt(v);
            if (n < 0 || n > 65535) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid " + name + " " + v + ": give the terminal's size in characters (0-65535)");
        }
    }
}
