package dev.skiff.registry.auth;

import java.time.Duration;

/** The token endpoint's answer; the HTTP layer turns each kind into one response. */
public sealed interface TokenResult {

    /** 200 with the token JSON. Its access may be less than was asked: refusing is the registry's job. */
    record Issued(IssuedToken token) implements TokenResult {
    }

    /** 401 UNAUTHORIZED: the credentials are wrong or the Authorization header is not Basic. */
    record Unauthorized(String message) implements TokenResult {
    }

    /** 429 TOO_MANY_REQUESTS with {@code Retry-After} in whole seconds, rounded up. */
    record Throttled(Duration retryAfter) implements TokenResult {
    }
}
