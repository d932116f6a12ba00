package dev.skiff.engine.containers;

import java.nio.file.Path;

/**
 * One mount a container was created with, as {@code inspect} shows it under Mounts.
 *
 * @param type        {@code volume} or {@code bind}
 * @param name        the volume's name; empty for a bind
 * @param source      the host directory mounted (a volume's {@code _data})
 * @param mode        the options given after the second colon ({@code ro}, {@code rw}, ...), or empty
 */
public record MountPoint(String type, String name, Path source, String destination, boolean rw, String mode) {
    public boolean isVolume() {
        return type.equals("volume");
    }
}
