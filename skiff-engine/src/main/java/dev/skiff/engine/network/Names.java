package dev.skiff.engine.network;

import java.util.regex.Pattern;

/** The shapes of names networking accepts, checked once here so every error reads the same. */
final class Names {
    /** Linux limits interface names to 15 bytes (IFNAMSIZ 16 with the NUL). */
    private static final Pattern INTERFACE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,14}");
    /** Docker's rule for network names (and container names). */
    private static final Pattern NETWORK = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    private static final Pattern CONTAINER_ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");

    static void requireInterfaceName(String name) {
        if (!INTERFACE.matcher(name).matches()) {
            throw new NetworkException("invalid bridge name " + name
                    + ": use 1 to 15 letters, digits, '_', '.' or '-'");
        }
    }

    static void requireNetworkName(String name) {
        if (!NETWORK.matcher(name).matches()) {
            throw new NetworkException("invalid network name \"" + name
                    + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
    }

    /** Container IDs name files and netns bind mounts, so nothing that could escape a directory passes. */
    static void requireContainerId(String id) {
        if (!CONTAINER_ID.matcher(id).matches()) {
            throw new NetworkException("invalid container ID \"" + id + "\"");
        }
    }

    private Names() {
    }
}
