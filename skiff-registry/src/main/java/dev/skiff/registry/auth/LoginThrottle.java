package dev.skiff.registry.auth;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Slows down password guessing. Failures are counted per (client address, user) pair, so a guesser's
 * address is blocked while the real user, from their own address, still gets in. The first
 * {@value #FREE_FAILURES} failures cost nothing; after that the pair must wait 1 s, then 2 s, 4 s, ...
 * up to 5 minutes before its next attempt. A pair's count is forgotten 15 minutes after its last failure,
 * or at once on a success. At most {@code maxEntries} pairs are remembered; the one that failed longest
 * ago is forgotten first, which favours the pairs that are failing now.
 *
 * <p>Callers pass the client's IP address without the port: docker opens a new connection, with a new
 * port, for every request.
 */
public final class LoginThrottle {
    static final int FREE_FAILURES = 5;
    static final Duration FIRST_DELAY = Duration.ofSeconds(1);
    static final Duration MAX_DELAY = Duration.ofMinutes(5);
    static final Duration WINDOW = Duration.ofMinutes(15);
    static final int DEFAULT_MAX_ENTRIES = 100_000;

    private record Failures(int count, Instant last, Instant blockedUntil) {
    }

    /**
     * Both parts come from the client; cut to a length no real address or user name reaches, so 100k
     * entries stay a few megabytes. Names that long cannot log in anyway, so sharing a count costs nothing.
     */
    private record Key(String clientAddress, String user) {
        static final int MAX_PART = 80;

        Key {
            clientAddress = clientAddress.length() > MAX_PART ? clientAddress.substring(0, MAX_PART) : clientAddress;
            user = user.length() > MAX_PART ? user.substring(0, MAX_PART) : user;
        }
    }

    private final InstantSource clock;
    private final int maxEntries;
    // Insertion order is the order of last failure: recordFailure re-inserts, so the eldest is the stalest.
    private final LinkedHashMap<Key, Failures> failures = new LinkedHashMap<>();

    public LoginThrottle(InstantSource clock) {
        this(clock, DEFAULT_MAX_ENTRIES);
    }

    LoginThrottle(InstantSource clock, int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1");
        }
        this.clock = clock;
        this.maxEntries = maxEntries;
    }

    /** How long this pair must still wait before its next attempt, or empty when it may try now. */
    public synchronized Optional<Duration> check(String clientAddress, String user) {
        Instant now = clock.instant();
        Failures f = current(new Key(clientAddress, user), now);
        if (f == null || !now.isBefore(f.blockedUntil())) {
            return Optional.empty();
        }
        return Optional.of(Duration.between(now, f.blockedUntil()));
    }

    public synchronized void recordFailure(String clientAddress, String user) {
        Instant now = clock.instant();
        Key key = new Key(clientAddress, user);
        Failures previous = current(key, now);
        int count = previous == null ? 1 : previous.count() + 1;
        Instant blockedUntil = count < FREE_FAILURES ? now : now.plus(delayAfter(count));
        failures.remove(key);
        failures.put(key, new Failures(count, now, blockedUntil));
        evict(now);
    }

    public synchronized void recordSuccess(String clientAddress, String user) {
        failures.remove(new Key(clientAddress, user));
    }

    synchronized int size() {
        return failures.size();
    }

    /** The wait after the {@code count}-th failure in a row (count ≥ FREE_FAILURES): 1 s doubling, capped. */
    static Duration delayAfter(int count) {
        int doublings = count - FREE_FAILURES;
        if (doublings >= 30) {
            return MAX_DELAY;
        }
        Duration delay = FIRST_DELAY.multipliedBy(1L << doublings);
        return delay.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay;
    }

    private Failures current(Key key, Instant now) {
        Failures f = failures.get(key);
        if (f != null && expired(f, now)) {
            failures.remove(key);
            return null;
        }
        return f;
    }

    private static boolean expired(Failures f, Instant now) {
        return !now.isBefore(f.last().plus(WINDOW)) && !now.isBefore(f.blockedUntil());
    }

    private void evict(Instant now) {
        Iterator<Map.Entry<Key, Failures>> eldest = failures.entrySet().iterator();
        while (eldest.hasNext()) {
            Failures f = eldest.next().getValue();
            if (failures.size() > maxEntries || expired(f, now)) {
                eldest.remove();
            } else {
                break;
            }
        }
    }
}
