package dev.skiff.registry.api;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The registry module's one exception type: a spec error code, a message for people, and an optional
 * {@code detail} value that goes into the JSON error body as it is.
 */
public final class RegistryException extends RuntimeException {
    private final ErrorCode code;
    private final transient Object detail;
    private int statusOverride;
    private final Map<String, String> headers = new LinkedHashMap<>();

    RegistryException(ErrorCode code, String message, Object detail) {
        super(message, null, false, false);
        this.code = code;
        this.detail = detail;
    }

    public ErrorCode code() {
        return code;
    }

    public Optional<Object> detail() {
        return Optional.ofNullable(detail);
    }

    /** The HTTP status: the code's own unless a route needs another (416 for an out-of-order chunk). */
    public int status() {
        return statusOverride != 0 ? statusOverride : code.status();
    }

    public RegistryException withStatus(int status) {
        this.statusOverride = status;
        return this;
    }

    /** A response header this error needs (a challenge, Retry-After, Content-Range). */
    public RegistryException withHeader(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public Map<String, String> headers() {
        return Map.copyOf(headers);
    }
}
