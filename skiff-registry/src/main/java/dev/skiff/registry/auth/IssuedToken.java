package dev.skiff.registry.auth;

import java.time.Instant;

/**
 * A signed bearer token and what the token endpoint's JSON answer needs besides it:
 * {@code {"token": token, "access_token": token, "expires_in": expiresInSeconds, "issued_at": issuedAt}}
 * ({@code issued_at} in RFC 3339, which {@link Instant#toString()} writes).
 */
public record IssuedToken(String token, Instant issuedAt, long expiresInSeconds) {
}
