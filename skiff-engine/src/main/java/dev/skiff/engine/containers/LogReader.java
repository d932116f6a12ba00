package dev.skiff.engine.containers;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Reads a container's k8s-file log as {@code docker logs} shows it: partial lines joined, the streams
 * chosen, since/until/tail applied, and with {@code follow} keeps reading as conmon appends until
 * the container stops.
 */
final class LogReader {
    private static final DateTimeFormatter RFC3339_NANO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'")
            .withZone(ZoneOffset.UTC);
    private static final long POLL_MILLIS = 100;

    private LogReader() {
    }

    /**
     * @param stillRunning asked at the end of the file when following: false ends the stream
     * @param keepGoing    false when the reader went away
     */
    static void read(Path log, LogOptions options, BooleanSupplier stillRunning, BooleanSupplier keepGoing, LogSink sink)
            throws IOException, InterruptedException {
        long offset = 0;
        Map<LogEntry.Stream, Pending> partial = new EnumMap<>(LogEntry.Stream.class);
        Deque<Message> tail = new ArrayDeque<>();
        List<Message> batch = new ArrayList<>();
        byte[] carry = new byte[0];
        boolean first = true;
        while (true) {
            boolean running = stillRunning.getAsBoolean(); // asked before reading, so nothing written before exit is missed
            batch.clear();
            if (Files.exists(log)) {
                try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
                    long length = f.length();
                    f.seek(offset);
                    while (offset < length) {
                        byte[] chunk = new byte[(int) Math.min(length - offset, 1 << 20)];
                        f.readFully(chunk);
                        offset += chunk.length;
                        byte[] data = concat(carry, chunk);
                        int start = 0;
                        for (int i = 0; i < data.length; i++) {
                            if (data[i] == '\n') {
                                LogEntry.parse(data, start, i).ifPresent(e -> collect(e, partial, batch));
                                start = i + 1;
                            }
                        }
                        carry = java.util.Arrays.copyOfRange(data, start, data.length);
                    }
                }
            }
            if (!running || !options.follow()) {
                if (carry.length > 0) { // conmon's last record, its newline not (yet) written
                    byte[] last = carry;
                    LogEntry.parse(last, 0, last.length).ifPresent(e -> collect(e, partial, batch));
                    carry = new byte[0];
                }
                flushPartials(partial, batch); // a last line without its newline, as the process left it
            }
            for (Message m : batch) {
                if (!wanted(m, options)) {
                    continue;
                }
                if (first && options.tail() >= 0) {
                    tail.addLast(m);
                    if (tail.size() > options.tail()) {
                        tail.removeFirst();
                    }
                } else {
                    emit(m, options, sink);
                }
            }
            if (first) {
                for (Message m : tail) {
                    emit(m, options, sink);
                }
                tail.clear();
                first = false;
            }
            if (!options.follow() || !keepGoing.getAsBoolean()) {
                return;
            }
            if (!running) {
                return;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    private record Message(Instant time, LogEntry.Stream stream, byte[] text) {
    }

    private static void collect(LogEntry e, Map<LogEntry.Stream, Pending> partial, List<Message> out) {
        Pending p = partial.computeIfAbsent(e.stream(), s -> new Pending());
        p.buf.writeBytes(e.text());
        p.time = p.time == null ? e.time() : p.time;
        if (e.partial()) {
            return;
        }
        p.buf.write('\n');
        out.add(new Message(p.time, e.stream(), p.buf.toByteArray()));
        partial.remove(e.stream());
    }

    private static void flushPartials(Map<LogEntry.Stream, Pending> partial, List<Message> out) {
        partial.forEach((stream, p) -> out.add(new Message(p.time, stream, p.buf.toByteArray())));
        partial.clear();
    }

    /** A line whose end has not been written yet; it carries the time of its first part. */
    private static final class Pending {
        final java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        Instant time;
    }

    private static boolean wanted(Message m, LogOptions o) {
        if (m.stream() == LogEntry.Stream.STDOUT ? !o.stdout() : !o.stderr()) {
            return false;
        }
        if (o.since().isPresent() && m.time().isBefore(o.since().get())) {
            return false;
        }
        return o.until().isEmpty() || m.time().isBefore(o.until().get());
    }

    private static void emit(Message m, LogOptions o, LogSink sink) throws IOException {
        if (o.timestamps()) {
            sink.write(m.stream(), concat((RFC3339_NANO.format(m.time()) + " ").getBytes(StandardCharsets.US_ASCII), m.text()));
        } else {
            sink.write(m.stream(), m.text());
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a.length == 0) {
            return b;
        }
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
