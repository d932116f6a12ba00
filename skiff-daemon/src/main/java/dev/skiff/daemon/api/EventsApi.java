package dev.skiff.daemon.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.daemon.events.Event;
import dev.skiff.daemon.events.EventBus;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.Timestamps;
import dev.skiff.http.Exchange;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /events?since=&until=&filters=}: replays the recent events from {@code since}, then
 * streams live ones until {@code until} passes or the client goes; one JSON object per line, in
 * dockerd's shape ({@code status}, {@code id}, {@code Type}, {@code Action}, {@code Actor}, ...).
 */
final class EventsApi {
    static final Set<String> FILTERS = Set.of("config", "container", "daemon", "event", "image", "label", "network", "node",
            "plugin", "scope", "secret", "service", "type", "volume");
    private static final long POLL_MILLIS = 250;

    private final EventBus bus;

    EventsApi(EventBus bus) {
        this.bus = bus;
    }

    void stream(Exchange ex) throws InterruptedException {
        Instant now = Instant.now();
        Optional<Instant> since = time(ex, "since", now);
        Optional<Instant> until = time(ex, "until", now);
        Filters filters = Filters.parse(ex.query("filters"), FILTERS);
        if (filters.has("scope") && !filters.get("scope").contains("local")) {
            filters = new Filters(Map.of("type", List.of())); // swarm scope: nothing here ever matches
        }
        try (EventBus.Subscription subscription = bus.subscribe()) {
            Exchange.Chunked body = ex.sendChunked(200, Map.of(), EngineApi.JSON_TYPE);
            if (since.isPresent() || until.isPresent()) { // dockerd's loadBufferedEvents: either one replays
                Instant from = since.orElse(Instant.EPOCH);
                for (Event e : subscription.past()) {
                    if (!e.time().isBefore(from) && (until.isEmpty() || !e.time().isAfter(until.get())) && matches(filters, e)) {
                        body.write(line(e));
                    }
                }
            }
            while (ex.clientConnected() && (until.isEmpty() || Instant.now().isBefore(until.get()))) {
                long wait = POLL_MILLIS;
                if (until.isPresent()) {
                    wait = Math.max(1, Math.min(wait, Duration.between(Instant.now(), until.get()).toMillis()));
                }
                Event e = subscription.next(wait, TimeUnit.MILLISECONDS);
                if (e == null) {
                    if (subscription.overflowed()) {
                        break; // fell too far behind: end the stream rather than report a gap as nothing
                    }
                    continue;
                }
                if ((until.isEmpty() || !e.time().isAfter(until.get())) && matches(filters, e)) {
                    body.write(line(e));
                }
            }
            body.end();
        } catch (Exchange.ConnectionLost e) {
            // the client went away: nothing is left to do
        }
    }

    private static Optional<Instant> time(Exchange ex, String name, Instant now) {
        Optional<String> v = ex.query(name).filter(s -> !s.isEmpty());
        if (v.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Timestamps.parse(v.get(), now));
        } catch (FormatException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /** dockerd's events Filter.Include: every filter name given must match. */
    static boolean matches(Filters f, Event e) {
        if (f.has("type") && !f.get("type").contains(e.type())) {
            return false;
        }
        if (f.has("event") && !f.get("event").contains(e.action())) {
            return false;
        }
        if (f.has("image") && !(e.type().equals("image") && matchesImage(f.get("image"), e)
                || e.type().equals("container") && matchesContainerImage(f.get("image"), e))) {
            return false;
        }
        if (f.has("container") && !(e.type().equals("container") && f.get("container").stream()
                .anyMatch(w -> e.actorId().startsWith(w) || w.equals(e.attributes().get("name"))))) {
            return false;
        }
        for (String other : List.of("network", "volume", "plugin", "daemon", "service", "node", "secret", "config")) {
            if (f.has(other)) {
                return false; // no such objects yet
            }
        }
        return f.matchLabels("label", e.attributes());
    }

    /** dockerd's matchImage: the filter value exactly, against the ID and name with and without their tags. */
    private static boolean matchesImage(List<String> wanted, Event e) {
        String name = e.attributes().getOrDefault("name", "");
        for (String w : wanted) {
            if (w.equals(e.actorId()) || w.equals(name) || w.equals(stripTag(e.actorId())) || w.equals(stripTag(name))) {
                return true;
            }
        }
        return false;
    }

    /** A container event's {@code image} attribute: the name the container was created with. */
    private static boolean matchesContainerImage(List<String> wanted, Event e) {
        String image = e.attributes().getOrDefault("image", "");
        return wanted.stream().anyMatch(w -> w.equals(image) || w.equals(stripTag(image)));
    }

    private static String stripTag(String name) {
        int at = name.indexOf('@');
        if (at >= 0) {
            return name.substring(0, at);
        }
        int colon = name.lastIndexOf(':');
        return colon > name.lastIndexOf('/') ? name.substring(0, colon) : name;
    }

    static byte[] line(Event e) {
        ObjectNode m = EngineApi.JSON.createObjectNode();
        m.put("status", e.action());
        m.put("id", e.actorId());
        m.put("Type", e.type());
        m.put("Action", e.action());
        ObjectNode actor = m.putObject("Actor");
        actor.put("ID", e.actorId());
        ObjectNode attributes = actor.putObject("Attributes");
        e.attributes().forEach(attributes::put);
        m.put("scope", "local");
        m.put("time", e.time().getEpochSecond());
        m.put("timeNano", e.timeNano());
        return (m + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
