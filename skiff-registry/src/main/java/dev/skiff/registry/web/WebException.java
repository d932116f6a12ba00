package dev.skiff.registry.web;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the web API or pages refuse: an HTTP status, a stable code for scripts and a message for people
 * that says what is wrong and what to do.
 */
final class WebException extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, String> headers = new LinkedHashMap<>();

    WebException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    static WebException badRequest(String message) {
        return new WebException(400, "BAD_REQUEST", message);
    }

    static WebException unauthorized(String message) {
        return new WebException(401, "UNAUTHORIZED", message);
    }

    static WebException forbidden(String message) {
        return new WebException(403, "DENIED", message);
    }

    static WebException notFound(String message) {
        return new WebException(404, "NOT_FOUND", message);
    }

    WebException withHeader(String name, String value) {
        headers.put(name, value);
        return this;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    Map<String, String> headers() {
        return headers;
    }
}
