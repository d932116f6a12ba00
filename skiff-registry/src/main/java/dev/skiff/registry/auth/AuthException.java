package dev.skiff.registry.auth;

/**
 * Base of every error this package raises: a bad username, an unreadable key or password file.
 * Requests are never answered with it; wrong credentials and missing scopes are values
 * ({@link TokenResult}, {@link Decision}), not exceptions.
 */
public class AuthException extends RuntimeException {
    public AuthException(String message) {
        super(message);
    }

    public AuthException(String message, Throwable cause) {
        super(message, cause);
    }
}
