package dev.skiff.daemon.events;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class EventBusTest {
    private static final Clock FROZEN = Clock.fixed(Instant.parse("2026-11-27T21:00:00Z"), ZoneOffset.UTC);

    @Test
    void eventsGetStrictlyIncreasingTimesEvenWhenTheClockStandsStill() {
        EventBus bus = new EventBus(FROZEN, 10, 10);
        Event a = bus.publish("image", "tag", "sha256:a", Map.of("name", "a:1"));
        Event b = bus.publish("image", "tag", "sha256:b", Map.of("name", "b:1"));
        assertThat(b.time()).isAfter(a.time());
        assertThat(a.timeNano()).isEqualTo(Instant.parse("2026-11-27T21:00:00Z").getEpochSecond() * 1_000_000_000L);
    }

    @Test
    void theRingKeepsOnlyTheNewestEvents() {
        EventBus bus = new EventBus(FROZEN, 3, 10);
        for (int i = 0; i < 5; i++) {
            bus.publish("image", "tag", "sha256:" + i, Map.of());
        }
        try (EventBus.Subscription s = bus.subscribe()) {
            assertThat(s.past()).extracting(Event::actorId).containsExactly("sha256:2", "sha256:3", "sha256:4");
        }
    }

    @Test
    void aSubscriberSeesThePastThenLiveEventsWithoutGapOrDuplicate() throws Exception {
        EventBus bus = new EventBus(Clock.systemUTC(), 10, 10);
        bus.publish("image", "tag", "sha256:old", Map.of());
        try (EventBus.Subscription s = bus.subscribe()) {
            bus.publish("image", "untag", "sha256:new", Map.of());
            assertThat(s.past()).extracting(Event::actorId).containsExactly("sha256:old");
            assertThat(s.next(1, TimeUnit.SECONDS).actorId()).isEqualTo("sha256:new");
            assertThat(s.next(10, TimeUnit.MILLISECONDS)).isNull();
            assertThat(bus.listeners()).isEqualTo(1);
        }
        assertThat(bus.listeners()).isZero();
    }

    @Test
    void aSubscriberThatFallsBehindIsCutOffAndNeverBlocksThePublisher() throws Exception {
        EventBus bus = new EventBus(Clock.systemUTC(), 10, 2);
        try (EventBus.Subscription slow = bus.subscribe()) {
            for (int i = 0; i < 100; i++) {
                bus.publish("image", "tag", "sha256:" + i, Map.of()); // would hang here if publishing blocked
            }
            assertThat(bus.listeners()).isZero();
            assertThat(slow.overflowed()).isFalse(); // two queued events are still to be read
            assertThat(slow.next(1, TimeUnit.SECONDS).actorId()).isEqualTo("sha256:0");
            assertThat(slow.next(1, TimeUnit.SECONDS).actorId()).isEqualTo("sha256:1");
            assertThat(slow.next(10, TimeUnit.MILLISECONDS)).isNull();
            assertThat(slow.overflowed()).isTrue();
        }
    }
}
