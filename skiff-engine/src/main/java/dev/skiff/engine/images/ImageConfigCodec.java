package dev.skiff.engine.images;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.skiff.formats.Digest;
import dev.skiff.formats.FormatException;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Translates image configs between the wire ({@link ImageConfigJson}) and the model ({@link ImageConfig}). */
public final class ImageConfigCodec {
    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true)
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** Go's RFC3339Nano, which Docker writes: trailing zeros of the fraction dropped. */
    private static final DateTimeFormatter RFC3339_NANO = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .appendLiteral('Z')
            .toFormatter()
            .withZone(ZoneOffset.UTC);

    /**
     * Reads a config blob.
     *
     * @throws FormatException saying which field is wrong
     */
    public static ImageConfig parse(byte[] json) {
        ImageConfigJson w;
        try {
            w = JSON.readValue(json, ImageConfigJson.class);
        } catch (JsonProcessingException e) {
            throw new FormatException("image config is not valid: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new FormatException("image config could not be read: " + e.getMessage());
        }
        if (w == null) {
            throw new FormatException("image config must be a JSON object");
        }
        List<Digest> diffIds = new ArrayList<>();
        if (w.rootfs() != null && w.rootfs().diffIds() != null) {
            for (String d : w.rootfs().diffIds()) {
                try {
                    diffIds.add(Digest.parse(d));
                } catch (FormatException e) {
                    throw new FormatException("image config rootfs.diff_ids: " + e.getMessage());
                }
            }
        }
        List<ImageConfig.History> history = new ArrayList<>();
        if (w.history() != null) {
            for (ImageConfigJson.HistoryJson h : w.history()) {
                history.add(new ImageConfig.History(time(h.created(), "history.created"), h.createdBy(), h.author(),
                        h.comment(), h.emptyLayer()));
            }
        }
        return new ImageConfig(w.architecture(), w.os(), w.variant(), w.author(), time(w.created(), "created"),
                w.comment(), container(w.config()), diffIds, history);
    }

    /** Writes a config the way Docker does; the same config always gives the same bytes. */
    public static byte[] serialize(ImageConfig c) {
        List<ImageConfigJson.HistoryJson> history = c.history().stream()
                .map(h -> new ImageConfigJson.HistoryJson(h.created().map(ImageConfigCodec::formatTime).orElse(null),
                        h.createdBy(), h.author(), h.comment(), h.emptyLayer()))
                .toList();
        ImageConfigJson w = new ImageConfigJson(c.architecture(), c.author(), c.comment(), container(c.config()),
                c.created().map(ImageConfigCodec::formatTime).orElse(null), history, c.os(),
                new ImageConfigJson.RootFs("layers", c.diffIds().stream().map(Digest::toString).toList()),
                c.variant());
        try {
            return JSON.writeValueAsBytes(w);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an image config could not be written as JSON", e);
        }
    }

    /** Go's RFC3339Nano form of an instant, as Docker writes it in configs. */
    public static String formatTime(Instant t) {
        return RFC3339_NANO.format(t);
    }

    static Optional<Instant> time(String text, String field) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant());
        } catch (DateTimeParseException e) {
            throw new FormatException("image config " + field + " is not an RFC 3339 time: \"" + text + "\"");
        }
    }

    private static ImageConfig.ContainerConfig container(ImageConfigJson.Container w) {
        if (w == null) {
            return ImageConfig.ContainerConfig.EMPTY;
        }
        Optional<ImageConfig.HealthConfig> health = Optional.ofNullable(w.healthcheck())
                .map(h -> new ImageConfig.HealthConfig(orEmpty(h.test()), Duration.ofNanos(h.interval()),
                        Duration.ofNanos(h.timeout()), Duration.ofNanos(h.startPeriod()),
                        Duration.ofNanos(h.startInterval()), h.retries()));
        return new ImageConfig.ContainerConfig(w.user(), orEmpty(w.env()), orEmpty(w.entrypoint()), orEmpty(w.cmd()),
                w.workingDir(), keys(w.exposedPorts()), keys(w.volumes()),
                w.labels() == null ? new TreeMap<>() : new TreeMap<>(w.labels()), w.stopSignal(),
                orEmpty(w.onBuild()), health);
    }

    private static ImageConfigJson.Container container(ImageConfig.ContainerConfig c) {
        ImageConfigJson.Health health = c.healthcheck()
                .map(h -> new ImageConfigJson.Health(h.test(), h.interval().toNanos(), h.timeout().toNanos(),
                        h.startPeriod().toNanos(), h.startInterval().toNanos(), h.retries()))
                .orElse(null);
        return new ImageConfigJson.Container(c.user(), set(c.exposedPorts()), c.env(), c.cmd(), health,
                set(c.volumes()), c.workingDir(), c.entrypoint(), c.onBuild(), c.labels(), c.stopSignal());
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static TreeSet<String> keys(Map<String, ?> map) {
        return map == null ? new TreeSet<>() : new TreeSet<>(map.keySet());
    }

    /** Go's {@code map[string]struct{}}: each member maps to {@code {}}. */
    private static Map<String, Map<String, Object>> set(Set<String> members) {
        Map<String, Map<String, Object>> map = new LinkedHashMap<>();
        members.forEach(m -> map.put(m, Map.of()));
        return map;
    }

    private ImageConfigCodec() {
    }
}
