package dev.skiff.registry.auth;

import java.time.Duration;
import java.util.Optional;

/** Whether a registry API request may go ahead; the HTTP layer turns each kind into one response. */
public sealed interface Decision {

    /** Go ahead, on behalf of {@code user} (empty: anonymous, or auth is off). */
    record Granted(Optional<String> user) implements Decision {
    }

    /**
     * 401 UNAUTHORIZED with {@code WWW-Authenticate: wwwAuthenticate}: the caller should get a (new)
     * token from the realm and try again.
     */
    record Challenge(String wwwAuthenticate, String message) implements Decision {
    }

    /** 403 DENIED: the caller is known and will never get this access; a new token would not help. */
    record Denied(String message) implements Decision {
    }

    /** 429 TOO_MANY_REQUESTS with {@code Retry-After} in whole seconds, rounded up. */
    record Throttled(Duration retryAfter) implements Decision {
    }
}
