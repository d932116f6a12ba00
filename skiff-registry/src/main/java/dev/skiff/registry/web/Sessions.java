package dev.skiff.registry.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Signed-in web users, in memory: a restart signs everyone out. A session is a random id (the cookie) and
 * a random CSRF token that every state-changing request made with the cookie must repeat. Sessions end
 * {@value #LIFETIME_HOURS} hours after sign-in, on sign-out, and when their user changes the password.
 */
final class Sessions {
    static final String COOKIE = "skiff_session";
    static final int LIFETIME_HOURS = 12;
    static final Duration LIFETIME = Duration.ofHours(LIFETIME_HOURS);
    static final int MAX_SESSIONS = 100_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    record Session(String id, String user, String csrfToken, Instant expires) {
        boolean csrfMatches(String candidate) {
            return candidate != null && MessageDigest.isEqual(csrfToken.getBytes(StandardCharsets.US_ASCII),
                    candidate.getBytes(StandardCharsets.US_ASCII));
        }
    }

    private final InstantSource clock;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    Sessions(InstantSource clock) {
        this.clock = clock;
    }

    Session create(String user) {
        Instant now = clock.instant();
        if (sessions.size() >= MAX_SESSIONS) {
            sessions.values().removeIf(s -> !now.isBefore(s.expires()));
        }
        if (sessions.size() >= MAX_SESSIONS) {
            // Still full: drop some old sessions rather than grow without bound.
            Iterator<String> ids = sessions.keySet().iterator();
            for (int i = 0; i < MAX_SESSIONS / 10 && ids.hasNext(); i++) {
                ids.next();
                ids.remove();
            }
        }
        Session session = new Session(random(), user, random(), now.plus(LIFETIME));
        sessions.put(session.id(), session);
        return session;
    }

    Optional<Session> find(String id) {
        if (id == null || id.length() > 100) {
            return Optional.empty();
        }
        Session s = sessions.get(id);
        if (s == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(s.expires())) {
            sessions.remove(id);
            return Optional.empty();
        }
        return Optional.of(s);
    }

    void end(String id) {
        sessions.remove(id);
    }

    /** Ends every session of {@code user} but {@code keep} (the one that changed the password). */
    void endAllOf(String user, String keep) {
        sessions.values().removeIf(s -> s.user().equals(user) && !s.id().equals(keep));
    }

    static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
