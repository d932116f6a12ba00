package dev.skiff.engine.containers;

import java.nio.file.Path;

/**
 * One mount a container was created with, as {@code inspect} shows it under Mounts.
 *
 * @param type        {@code volume}, {@code bind} or {@code tmpfs}
 * @param name        the volume's name; empty for a bind or tmpfs
 * @param source      the host directory mounted (a volume's {@code _data}); empty for a tmpfs
 * @param mode        the options given after the second colon of a {@code -v} ({@code ro}, {@code rw}, ...), or empty
 * @param propagation a bind's mount propagation ({@code rprivate} unless asked otherwise); empty for the other types
 * @param tmpfsData   a tmpfs's mount data from {@code --mount} ({@code size=64m,mode=1777}), before Docker's defaults; empty otherwise
 */
public record MountPoint(String type, String name, Path source, String destination, boolean rw, String mode,
                         String propagation, String tmpfsData) {
    static final String DEFAULT_PROPAGATION = "rprivate";

    /** A bind or volume with the default propagation. */
    public MountPoint(String type, String name, Path source, String destination, boolean rw, String mode) {
        this(type, name, source, destination, rw, mode, type.equals("bind") ? DEFAULT_PROPAGATION : "", "");
    }

    public boolean isVolume() {
        return type.equals("volume");
    }

    public boolean isTmpfs() {
        return type.equals("tmpfs");
    }
}
