package dev.skiff.registry.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    private static final String ATTACKER = "203.0.113.7";
    private static final String HOME = "198.51.100.1";

    private final FakeClock clock = new FakeClock();
    private final LoginThrottle throttle = new LoginThrottle(clock);

    @Test
    void letsFiveFailuresThroughThenBlocksForASecond() {
        for (int i = 0; i < 4; i++) {
            throttle.recordFailure(ATTACKER, "alice");
            assertThat(throttle.check(ATTACKER, "alice")).as("after failure %d", i + 1).isEmpty();
        }
        throttle.recordFailure(ATTACKER, "alice");

        assertThat(throttle.check(ATTACKER, "alice")).contains(Duration.ofSeconds(1));
        clock.advance(Duration.ofMillis(400));
        assertThat(throttle.check(ATTACKER, "alice")).contains(Duration.ofMillis(600));
        clock.advance(Duration.ofMillis(600));
        assertThat(throttle.check(ATTACKER, "alice")).isEmpty();
    }

    @Test
    void doublesTheWaitUpToFiveMinutes() {
        fail(ATTACKER, "alice", 5);
        Duration expected = Duration.ofSeconds(1);
        for (int i = 0; i < 12; i++) {
            assertThat(throttle.check(ATTACKER, "alice")).contains(expected);
            clock.advance(expected);
            throttle.recordFailure(ATTACKER, "alice");
            expected = expected.multipliedBy(2).compareTo(Duration.ofMinutes(5)) > 0
                    ? Duration.ofMinutes(5) : expected.multipliedBy(2);
        }
        assertThat(throttle.check(ATTACKER, "alice")).contains(Duration.ofMinutes(5));
        assertThat(LoginThrottle.delayAfter(1_000_000)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void blocksOnlyThePairThatFailed() {
        fail(ATTACKER, "alice", 10);

        assertThat(throttle.check(ATTACKER, "alice")).isPresent();
        assertThat(throttle.check(HOME, "alice")).isEmpty();
        assertThat(throttle.check(ATTACKER, "bob")).isEmpty();
    }

    @Test
    void aSuccessStartsTheCountAfresh() {
        fail(HOME, "alice", 5);
        clock.advance(Duration.ofSeconds(1));
        throttle.recordSuccess(HOME, "alice");

        fail(HOME, "alice", 4);
        assertThat(throttle.check(HOME, "alice")).isEmpty();
    }

    @Test
    void forgetsFailuresAfterFifteenQuietMinutes() {
        fail(HOME, "alice", 4);
        clock.advance(Duration.ofMinutes(15));
        throttle.recordFailure(HOME, "alice");

        assertThat(throttle.check(HOME, "alice")).isEmpty();
    }

    @Test
    void remembersFailuresWithinFifteenMinutes() {
        fail(HOME, "alice", 4);
        clock.advance(Duration.ofMinutes(14));
        throttle.recordFailure(HOME, "alice");

        assertThat(throttle.check(HOME, "alice")).isPresent();
    }

    @Test
    void forgetsTheStalestPairWhenFull() {
        LoginThrottle small = new LoginThrottle(clock, 3);
        for (int i = 0; i < 5; i++) {
            small.recordFailure(ATTACKER, "alice");
        }
        clock.advance(Duration.ofMillis(1));
        small.recordFailure("10.0.0.1", "x");
        small.recordFailure("10.0.0.2", "x");
        assertThat(small.check(ATTACKER, "alice")).isPresent();

        small.recordFailure("10.0.0.3", "x");

        assertThat(small.size()).isEqualTo(3);
        assertThat(small.check(ATTACKER, "alice")).isEmpty();
    }

    @Test
    void aNewFailureMakesAPairTheFreshest() {
        LoginThrottle small = new LoginThrottle(clock, 3);
        small.recordFailure(ATTACKER, "alice");
        small.recordFailure("10.0.0.1", "x");
        small.recordFailure("10.0.0.2", "x");
        for (int i = 0; i < 4; i++) {
            small.recordFailure(ATTACKER, "alice");
        }

        small.recordFailure("10.0.0.3", "x");

        assertThat(small.check(ATTACKER, "alice")).isPresent();
    }

    @Test
    void dropsExpiredPairsAsItGoes() {
        fail(HOME, "alice", 2);
        fail(HOME, "bob", 2);
        clock.advance(Duration.ofMinutes(20));
        throttle.recordFailure(HOME, "carol");

        assertThat(throttle.size()).isEqualTo(1);
    }

    @Test
    void keepsOverlongNamesShort() {
        String prefix = "x".repeat(100);
        fail(ATTACKER, prefix + "a", 5);

        assertThat(throttle.check(ATTACKER, prefix + "b")).isPresent();
        assertThat(throttle.check(ATTACKER, "x".repeat(64))).isEmpty();
    }

    private void fail(String address, String user, int times) {
        for (int i = 0; i < times; i++) {
            throttle.recordFailure(address, user);
        }
    }
}
