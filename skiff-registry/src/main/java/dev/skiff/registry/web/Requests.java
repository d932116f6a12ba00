package dev.skiff.registry.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.http.Exchange;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Reading what the web pages and API are sent: form or JSON bodies, cookies, numbers. */
final class Requests {
    static final int MAX_BODY = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Requests() {
    }

    static boolean changesState(HttpMethod m) {
        return !(m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS));
    }

    static boolean isJson(Exchange ex) {
        return ex.header(HttpHeaderNames.CONTENT_TYPE).map(t -> t.toLowerCase(Locale.ROOT).strip())
                .filter(t -> t.startsWith("application/json")).isPresent();
    }

    static boolean isForm(Exchange ex) {
        return ex.header(HttpHeaderNames.CONTENT_TYPE).map(t -> t.toLowerCase(Locale.ROOT).strip())
                .filter(t -> t.startsWith("application/x-www-form-urlencoded")).isPresent();
    }

    /**
     * The body's fields: a JSON object (string, number and boolean members) or an HTML form. An empty body
     * has no fields.
     */
    static Map<String, String> fields(Exchange ex) throws InterruptedException {
        byte[] body = ex.readBody(MAX_BODY).orElseThrow(() -> new WebException(413, "TOO_LARGE",
                "the request body is larger than " + (MAX_BODY / 1024) + " KiB"));
        Map<String, String> fields = new LinkedHashMap<>();
        if (body.length == 0) {
            return fields;
        }
        if (isForm(ex)) {
            QueryStringDecoder form = new QueryStringDecoder("?" + new String(body, StandardCharsets.UTF_8));
            for (Map.Entry<String, List<String>> e : form.parameters().entrySet()) {
                if (!e.getValue().isEmpty()) {
                    fields.put(e.getKey(), e.getValue().getFirst());
                }
            }
            return fields;
        }
        if (!isJson(ex)) {
            throw new WebException(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json (or as an HTML"
                    + " form, application/x-www-form-urlencoded)");
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (IOException e) {
            throw WebException.badRequest("the body is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (node == null || !node.isObject()) {
            throw WebException.badRequest("the body must be a JSON object, e.g. {\"name\": \"my-app\"}");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                fields.put(e.getKey(), e.getValue().asText());
            } else if (!e.getValue().isNull()) {
                throw WebException.badRequest("field " + e.getKey() + " must be a string, number or boolean");
            }
        }
        return fields;
    }

    static Optional<String> cookie(Exchange ex, String name) {
        for (String header : ex.requestHeaders().getAll(HttpHeaderNames.COOKIE)) {
            for (String part : header.split(";")) {
                String p = part.strip();
                int eq = p.indexOf('=');
                if (eq > 0 && p.substring(0, eq).equals(name)) {
                    return Optional.of(p.substring(eq + 1));
                }
            }
        }
        return Optional.empty();
    }

    static int intParam(Optional<String> text, String name, int fallback) {
        if (text.isEmpty() || text.get().isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(text.get());
        } catch (NumberFormatException e) {
            throw WebException.badRequest(name + " must be a whole number, got " + RepositoryService.quote(text.get()));
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
