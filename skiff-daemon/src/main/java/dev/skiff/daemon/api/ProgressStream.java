package dev.skiff.daemon.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.http.Exchange;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * Docker's JSON progress stream (pull, push): one message per line, {@code \r\n}-terminated, in a
 * chunked 200 answer that opens with the first message. Until then a failure is a plain HTTP error
 * (docker's 404 for a missing tag); after it, an in-stream {@code errorDetail}.
 */
final class ProgressStream {
    private final Exchange ex;
    private Exchange.Chunked body;

    ProgressStream(Exchange ex) {
        this.ex = ex;
    }

    /** {@code {"status":S}}. */
    static ObjectNode status(String status) {
        return EngineApi.JSON.createObjectNode().put("status", status);
    }

    /** {@code {"status":S,"progressDetail":{},"id":ID}}: a layer's change of state. */
    static ObjectNode layer(String status, String id) {
        ObjectNode m = EngineApi.JSON.createObjectNode().put("status", status);
        m.putObject("progressDetail");
        m.put("id", id);
        return m;
    }

    /** {@code {"status":S,"progressDetail":{"current","total"},"progress":BAR,"id":ID}}. */
    static ObjectNode bytes(String status, String id, long current, long total) {
        ObjectNode m = EngineApi.JSON.createObjectNode().put("status", status);
        ObjectNode detail = m.putObject("progressDetail").put("current", current);
        if (total > 0) {
            detail.put("total", total);
        }
        m.put("progress", bar(current, total));
        m.put("id", id);
        return m;
    }

    /**
     * docker's progress bar (jsonmessage.JSONProgress): 50 columns of '=' and a '>' head, then
     * current/total in its units; only current once it has passed total or when total is unknown.
     */
    static String bar(long current, long total) {
        if (total <= 0) {
            return current <= 0 ? "" : String.format("%8s", size(current));
        }
        int filled = (int) Math.min(50, 50 * current / total);
        String numbers = current > total ? String.format("%8s", size(current)) : String.format("%8s/%s", size(current), size(total));
        return "[" + "=".repeat(filled) + ">" + " ".repeat(50 - filled) + "] " + numbers;
    }

    /** Go's units.HumanSize: four significant digits, decimal units. */
    static String size(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return u == 0 ? bytes + "B" : String.format(Locale.ROOT, "%.4g%s", v, units[u]);
    }

    void send(ObjectNode m) {
        if (body == null) {
            body = ex.sendChunked(200, Map.of(), EngineApi.JSON_TYPE);
        }
        body.write((m + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** A plain HTTP error with {@code status} before the stream opened; an in-stream error after. */
    void fail(int status, String message) {
        if (body == null) {
            throw new ApiException(status, message);
        }
        ObjectNode m = EngineApi.JSON.createObjectNode();
        m.putObject("errorDetail").put("message", message);
        m.put("error", message);
        send(m);
    }

    /** Whether the 200 head and a first message are out. */
    boolean opened() {
        return body != null;
    }

    void end() {
        if (body != null) {
            body.end();
        }
    }
}
