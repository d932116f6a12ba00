package dev.skiff.engine.containers;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * One line a container wrote, as conmon's k8s-file log holds it: {@code <RFC3339Nano> stdout|stderr F|P <text>}.
 * {@code P} marks a partial line that the next entry of the same stream continues.
 */
public record LogEntry(Instant time, Stream stream, boolean partial, byte[] text) {
    public enum Stream { STDOUT, STDERR }

    static Optional<LogEntry> parse(byte[] line, int from, int to) {
        int s1 = indexOf(line, from, to, (byte) ' ');
        int s2 = s1 < 0 ? -1 : indexOf(line, s1 + 1, to, (byte) ' ');
        int s3 = s2 < 0 ? -1 : indexOf(line, s2 + 1, to, (byte) ' ');
        if (s3 < 0) {
            // an empty final line has no text part: "<time> stdout F"
            if (s2 < 0) {
                return Optional.empty();
            }
            s3 = to;
        }
        try {
            Instant time = OffsetDateTime.parse(new String(line, from, s1 - from, StandardCharsets.US_ASCII)).toInstant();
            String stream = new String(line, s1 + 1, s2 - s1 - 1, StandardCharsets.US_ASCII);
            String tag = new String(line, s2 + 1, s3 - s2 - 1, StandardCharsets.US_ASCII);
            byte[] text = s3 >= to ? new byte[0] : java.util.Arrays.copyOfRange(line, s3 + 1, to);
            return Optional.of(new LogEntry(time, stream.equals("stderr") ? Stream.STDERR : Stream.STDOUT,
                    tag.contains("P"), text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static int indexOf(byte[] b, int from, int to, byte x) {
        for (int i = from; i < to; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }
}
