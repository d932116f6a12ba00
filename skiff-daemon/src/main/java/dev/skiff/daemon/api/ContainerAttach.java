package dev.skiff.daemon.api;

import dev.skiff.engine.containers.Container;
import dev.skiff.engine.containers.ContainerEngine;
import dev.skiff.engine.sys.SeqPacketSocket;
import dev.skiff.engine.sys.Terminals;
import dev.skiff.formats.DetachKeys;
import dev.skiff.http.Exchange;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code POST /containers/{id}/attach} and {@code /resize}. An attach to a running container joins
 * conmon's attach socket at once; one made before the start (docker run's order: attach, wait,
 * start) is joined by the engine at the start, after conmon holds the streams and before the
 * process runs, so no output is missed. The answer is dockerd's: {@code 101 UPGRADED} with only
 * its three headers when the client asked to upgrade, else {@code 200 OK} and the raw stream.
 */
final class ContainerAttach {
    private final ContainerEngine containers;

    ContainerAttach(ContainerEngine containers) {
        this.containers = containers;
    }

    void attach(Exchange ex, String ref) throws InterruptedException {
        Container c = containers.get(ref);
        AttachPump.Streams streams = new AttachPump.Streams(truthy(ex, "stdin"), truthy(ex, "stdout"), truthy(ex, "stderr"));
        DetachKeys detachKeys = detachKeys(ex.query("detachKeys").orElse(""));
        if (!truthy(ex, "stream")) {
            // logs-only attach (stream=0): what docker attach --logs would replay; nothing live
            Exchange.Hijacked raw = hijack(ex);
            raw.shutdownOutput();
            return;
        }
        CompletableFuture<SeqPacketSocket> socket = new CompletableFuture<>();
        Runnable cancel = () -> {
        };
        if (c.state().running()) {
            socket.complete(connect(c));
        } else {
            cancel = containers.beforeNextStart(c.id(), started -> {
                try {
                    socket.complete(SeqPacketSocket.connect(started.attachSocket()));
                } catch (IOException e) {
                    socket.completeExceptionally(e);
                }
            });
        }
        Exchange.Hijacked raw = hijack(ex);
        try {
            SeqPacketSocket conmon = null;
            while (conmon == null) {
                try {
                    conmon = socket.get(500, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (!raw.connected()) {
                        return; // the client left before the container started
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    return; // the container's streams could not be reached: the client sees the stream end
                }
            }
            AttachPump.pump(conmon, raw, c.config().tty(), streams, detachKeys);
            raw.shutdownOutput();
        } finally {
            cancel.run();
            socket.thenAccept(SeqPacketSocket::close);
        }
    }

    /** Docker's detach keys; a bad spec is a 400 before anything is attached, as dockerd answers. */
    static DetachKeys detachKeys(String spec) {
        try {
            return DetachKeys.of(spec);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /**
     * {@code POST /containers/{id}/resize?h=&w=}: the terminal's new size, on the container process's
     * own terminal at once, or through conmon's control FIFO when the process no longer holds it.
     */
    void resize(Exchange ex, String ref) {
        Container c = containers.get(ref);
        int height = dimension(ex, "h");
        int width = dimension(ex, "w");
        if (!c.config().tty()) {
            throw ApiException.badRequest("cannot resize container " + c.shortId() + ": it has no TTY (run it with -t)");
        }
        if (!c.state().running()) {
            throw new ApiException(409, "cannot resize container " + c.shortId() + ": it is not running");
        }
        if (!Terminals.resize(c.state().pid(), c.controlFifo(), height, width)) {
            throw new ApiException(409, "cannot resize container " + c.shortId() + ": it is not running");
        }
        ex.send(200, Map.of(), new byte[0], "text/plain; charset=utf-8");
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

    private static SeqPacketSocket connect(Container c) {
        try {
            return SeqPacketSocket.connect(c.attachSocket());
        } catch (IOException e) {
            throw new ApiException(409, "cannot attach to container " + c.shortId() + ": " + e.getMessage());
        }
    }

    static Exchange.Hijacked hijack(Exchange ex) throws InterruptedException {
        boolean upgrade = ex.header("Upgrade").map(u -> u.equalsIgnoreCase("tcp")).orElse(false);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/vnd.docker.raw-stream");
        if (upgrade) {
            headers.put("Connection", "Upgrade");
            headers.put("Upgrade", "tcp");
            return ex.hijack(101, "101 UPGRADED", headers);
        }
        return ex.hijack(200, "200 OK", headers);
    }

    static boolean truthy(Exchange ex, String name) {
        return ex.query(name).map(v -> v.equals("1") || v.equalsIgnoreCase("true")).orElse(false);
    }
}
