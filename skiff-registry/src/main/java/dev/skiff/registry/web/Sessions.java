package dev.skiff.registry.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.registry.storage.StorageDriver;

import java.io.IOException;
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
 * Signed-in web users. A session is a random id (the cookie) and a random CSRF token that every
 * state-changing request made with the cookie must repeat. Sessions end {@value #LIFETIME_HOURS} hours
 * after sign-in, on sign-out, and when their user changes the password. Each is also a small file in
 * the registry's storage, under {@code /skiff/sessions/}, named by the SHA-256 of its id (never the id
 * itself, so the storage holds nothing a browser could present): a restart signs nobody out.
 */
final class Sessions {
    static final String COOKIE = "skiff_session";
    static final int LIFETIME_HOURS = 12;
    static final Duration LIFETIME = Duration.ofHours(LIFETIME_HOURS);
    static final int MAX_SESSIONS = 100_000;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper();

    record Session(String id, String user, String csrfToken, Instant expires) {
        boolean csrfMatches(String candidate) {
            return candidate != null && MessageDigest.isEqual(csrfToken.getBytes(StandardCharsets.US_ASCII),
                    candidate.getBytes(StandardCharsets.US_ASCII));
        }
    }

    static final String DIR = "/skiff/sessions";
    private static final System.Logger LOG = System.getLogger(Sessions.class.getName());

    private final InstantSource clock;
    private final Optional<StorageDriver> storage;
    /** By the SHA-256 of the session id, as stored. */
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    /** Sessions in memory only (tests of the pages). */
    Sessions(InstantSource clock) {
        this.clock = clock;
        this.storage = Optional.empty();
    }

    /** Sessions kept in {@code storage} as well; those stored by an earlier run that have not expired are back. */
    Sessions(InstantSource clock, StorageDriver storage) {
        this.clock = clock;
        this.storage = Optional.of(storage);
        Instant now = clock.instant();
        try {
            for (String key : storage.list(DIR)) {
                try {
                    JsonNode n = JSON.readTree(storage.getContent(DIR + "/" + key));
                    Session s = new Session(key, n.path("user").asText(), n.path("csrf").asText(), Instant.parse(n.path("expires").asText()));
                    if (now.isBefore(s.expires()) && !s.user().isEmpty()) {
                        sessions.put(key, s);
                    } else {
                        storage.delete(DIR + "/" + key);
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "dropping unreadable session file " + key + ": " + e.getMessage());
                    storage.delete(DIR + "/" + key);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read the stored sessions; everyone signs in again: " + e.getMessage());
        }
    }

    Session create(String user) {
        Instant now = clock.instant();
        if (sessions.size() >= MAX_SESSIONS) {
            sessions.values().stream().filter(s -> !now.isBefore(s.expires())).map(Session::id).toList().forEach(this::forget);
        }
        if (sessions.size() >= MAX_SESSIONS) {
            // Still full: drop some old sessions rather than grow without bound.
            Iterator<String> keys = sessions.keySet().iterator();
            for (int i = 0; i < MAX_SESSIONS / 10 && keys.hasNext(); i++) {
                forget(keys.next());
            }
        }
        String id = random();
        Session session = new Session(id, user, random(), now.plus(LIFETIME));
        String key = key(id);
        sessions.put(key, session);
        storage.ifPresent(driver -> {
            try {
                driver.putContent(DIR + "/" + key, JSON.writeValueAsBytes(Map.of("user", user, "csrf", session.csrfToken(),
                        "expires", session.expires().toString())));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot store a session (it ends with this run): " + e.getMessage());
            }
        });
        return session;
    }

    Optional<Session> find(String id) {
        if (id == null || id.length() > 100) {
            return Optional.empty();
        }
        String key = key(id);
        Session s = sessions.get(key);
        if (s == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(s.expires())) {
            forget(key);
            return Optional.empty();
        }
        return Optional.of(new Session(id, s.user(), s.csrfToken(), s.expires()));
    }

    void end(String id) {
        forget(key(id));
    }

    /** Ends every session of {@code user} but {@code keep} (the one that changed the password). */
    void endAllOf(String user, String keep) {
        String kept = key(keep);
        sessions.entrySet().stream().filter(e -> e.getValue().user().equals(user) && !e.getKey().equals(kept))
                .map(Map.Entry::getKey).toList().forEach(this::forget);
    }

    private void forget(String key) {
        sessions.remove(key);
        storage.ifPresent(driver -> {
            try {
                driver.delete(DIR + "/" + key);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot delete a stored session: " + e.getMessage());
            }
        });
    }

    /** What a session is stored and kept by: the SHA-256 of its id, in hex. */
    private static String key(String id) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
