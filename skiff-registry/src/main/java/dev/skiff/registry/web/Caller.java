package dev.skiff.registry.web;

import java.util.Optional;

/**
 * Who is asking: a signed-in user (by session cookie or Basic credentials) or anonymous. {@code session} is
 * present when the cookie was used, which is when CSRF tokens are checked.
 */
record Caller(Optional<String> user, Optional<Sessions.Session> session) {
    static final Caller ANONYMOUS = new Caller(Optional.empty(), Optional.empty());

    String csrfToken() {
        return session.map(Sessions.Session::csrfToken).orElse("");
    }
}
