package dev.skiff.engine.containers;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Health checks as dockerd runs them: the container's (or its image's) {@code HEALTHCHECK} command
 * runs inside it ({@code runc exec}) every interval, with a timeout; {@code retries} failures in a row
 * after the start period make it unhealthy, one success healthy again. The status shows in
 * {@code ps} and {@code inspect} and is announced as a {@code health_status} event.
 *
 * <p>Beyond Docker, as Podman's {@code --health-on-failure}: the label
 * {@value #ON_FAILURE_LABEL} ({@code none|kill|restart|stop}) says what the daemon itself does when
 * the container turns unhealthy, so no outside watchdog is needed.
 */
public final class HealthMonitor implements AutoCloseable {
    static final String ON_FAILURE_LABEL = "dev.skiff.health-on-failure";
    private static final System.Logger LOG = System.getLogger(HealthMonitor.class.getName());
    private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final int DEFAULT_RETRIES = 3;
    private static final int OUTPUT_LIMIT = 4096; // dockerd keeps this much of a probe's output
    private static final int LOG_ENTRIES = 5;

    /** What a container's health is now, as {@code State.Health} shows it. */
    public record Health(String status, int failingStreak, List<Probe> log) {
    }

    /** One run of the check. */
    public record Probe(Instant start, Instant end, int exitCode, String output) {
    }

    /** The check, parsed from docker's {@code Healthcheck} JSON (durations in nanoseconds). */
    record Check(List<String> command, Duration interval, Duration timeout, Duration startPeriod, int retries) {
        static Optional<Check> of(JsonNode healthcheck) {
            if (healthcheck == null || healthcheck.isNull()) {
                return Optional.empty();
            }
            List<String> test = new ArrayList<>();
            healthcheck.path("Test").forEach(t -> test.add(t.asText()));
            if (test.isEmpty() || test.getFirst().equals("NONE")) {
                return Optional.empty();
            }
            List<String> command = switch (test.getFirst()) {
                case "CMD" -> test.subList(1, test.size());
                case "CMD-SHELL" -> List.of("/bin/sh", "-c", String.join(" ", test.subList(1, test.size())));
                default -> List.of();
            };
            if (command.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Check(List.copyOf(command), nanos(healthcheck, "Interval", DEFAULT_INTERVAL),
                    nanos(healthcheck, "Timeout", DEFAULT_TIMEOUT), nanos(healthcheck, "StartPeriod", Duration.ZERO),
                    healthcheck.path("Retries").asInt(0) > 0 ? healthcheck.path("Retries").asInt() : DEFAULT_RETRIES));
        }

        private static Duration nanos(JsonNode h, String field, Duration fallback) {
            long n = h.path(field).asLong(0);
            return n > 0 ? Duration.ofNanos(n) : fallback;
        }
    }

    /** What the engine does for the monitor. */
    interface Engine {
        Optional<Container> running(String id);

        List<String> runtimeCommand(Container c);

        void act(Container c, String action);

        void announce(Container c, String status);
    }

    private final Engine engine;
    private final Map<String, Thread> watchers = new ConcurrentHashMap<>();
    private final Map<String, Health> health = new ConcurrentHashMap<>();

    HealthMonitor(Engine engine) {
        this.engine = engine;
    }

    /** Starts checking {@code c} if it has a check; a running check for it is replaced. */
    void watch(Container c) {
        Optional<Check> check = Check.of(c.config().healthcheck());
        forget(c.id());
        if (check.isEmpty()) {
            return;
        }
        health.put(c.id(), new Health("starting", 0, List.of()));
        Thread t = Thread.ofVirtual().name("health-" + c.shortId()).unstarted(() -> run(c.id(), check.get(), Instant.now()));
        watchers.put(c.id(), t);
        t.start();
    }

    /** Stops checking (the container stopped or went); its last health stays readable until removal. */
    void stop(String id) {
        Thread t = watchers.remove(id);
        if (t != null) {
            t.interrupt();
        }
    }

    void forget(String id) {
        stop(id);
        health.remove(id);
    }

    Optional<Health> health(String id) {
        return Optional.ofNullable(health.get(id));
    }

    private void run(String id, Check check, Instant started) {
        Deque<Probe> log = new ArrayDeque<>();
        int streak = 0;
        String status = "starting";
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(check.interval().toMillis());
                Optional<Container> c = engine.running(id);
                if (c.isEmpty()) {
                    return;
                }
                Probe probe = probe(c.get(), check);
                log.addLast(probe);
                while (log.size() > LOG_ENTRIES) {
                    log.removeFirst();
                }
                String before = status;
                if (probe.exitCode() == 0) {
                    streak = 0;
                    status = "healthy";
                } else if (Duration.between(started, probe.start()).compareTo(check.startPeriod()) >= 0 || !status.equals("starting")) {
                    streak++;
                    if (streak >= check.retries()) {
                        status = "unhealthy";
                    }
                }
                health.put(id, new Health(status, streak, List.copyOf(log)));
                if (!status.equals(before)) {
                    engine.announce(c.get(), status);
                    if (status.equals("unhealthy")) {
                        String action = c.get().config().labels() == null ? "none"
                                : c.get().config().labels().getOrDefault(ON_FAILURE_LABEL, "none");
                        if (!action.equals("none")) {
                            watchers.remove(id, Thread.currentThread());
                            engine.act(c.get(), action); // a restart starts a new watch
                            return;
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            // stopped
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the health check of " + id + " failed: " + e.getMessage(), e);
        }
    }

    /** One run of the check inside the container, its output cut to 4 KiB; a timeout counts as failure. */
    private Probe probe(Container c, Check check) {
        Instant start = Instant.now();
        List<String> command = new ArrayList<>(engine.runtimeCommand(c));
        command.add("exec");
        command.add(c.id());
        command.addAll(check.command());
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> copyLimited(p.getInputStream(), out));
            if (!p.waitFor(check.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Probe(start, Instant.now(), -1, "Health check exceeded timeout (" + check.timeout().toSeconds() + "s)");
            }
            reader.join(1000);
            String output;
            synchronized (out) {
                output = out.toString(java.nio.charset.StandardCharsets.UTF_8);
            }
            return new Probe(start, Instant.now(), p.exitValue(), output);
        } catch (IOException e) {
            return new Probe(start, Instant.now(), -1, "cannot run the health check: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Probe(start, Instant.now(), -1, "interrupted");
        }
    }

    private static void copyLimited(InputStream in, ByteArrayOutputStream out) {
        byte[] buf = new byte[4096];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (out) {
                    int room = OUTPUT_LIMIT - out.size();
                    if (room > 0) {
                        out.write(buf, 0, Math.min(room, n));
                    }
                }
            }
        } catch (IOException e) {
            // the probe ended
        }
    }

    @Override
    public void close() {
        watchers.keySet().forEach(this::stop);
    }
}
