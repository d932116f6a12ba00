package dev.skiff.engine.volumes;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * One named volume of the {@code local} driver: a directory, {@code <data-root>/volumes/<name>/_data},
 * that outlives the containers mounting it.
 *
 * @param mountpoint the {@code _data} directory, what containers mount
 */
public record Volume(String name, Instant created, Map<String, String> labels, Map<String, String> options, Path mountpoint) {
    /** The label docker puts on the volumes it makes for an image's VOLUME or a {@code -v /path}. */
    public static final String ANONYMOUS_LABEL = "com.docker.volume.anonymous";

    public Volume {
        labels = Map.copyOf(labels);
        options = Map.copyOf(options);
    }

    /** Made for one container (image VOLUME): {@code rm -v} of that container removes it. */
    public boolean anonymous() {
        return labels.containsKey(ANONYMOUS_LABEL);
    }
}
