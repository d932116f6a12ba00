package dev.skiff.daemon.events;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One thing that happened, as {@code docker events} reports it: what kind of object ({@code image}),
 * the action ({@code tag}, {@code pull}, ...), the actor's ID and attributes ({@code name}, labels),
 * and when, to the nanosecond.
 */
public record Event(String type, String action, String actorId, Map<String, String> attributes, Instant time) {
    public Event {
        attributes = java.util.Collections.unmodifiableMap(new TreeMap<>(attributes));
    }

    public long timeNano() {
        return time.getEpochSecond() * 1_000_000_000L + time.getNano();
    }
}
