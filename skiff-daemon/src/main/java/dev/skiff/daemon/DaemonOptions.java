package dev.skiff.daemon;

import dev.skiff.http.HttpServer;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code skiff daemon} is told, like dockerd's flags.
 *
 * @param dataRoot  persistent state (default {@code /var/lib/skiff})
 * @param execRoot  runtime state that a reboot may lose (default {@code /run/skiff})
 * @param listeners where the Engine API listens ({@code -H})
 * @param insecureRegistries registries ({@code HOST[:PORT]}) pull and push reach over plain HTTP, besides
 *                           loopback ones ({@code --insecure-registry})
 */
public record DaemonOptions(Path dataRoot, Path execRoot, List<HttpServer.Listener> listeners, List<String> insecureRegistries) {

    public static final Path DEFAULT_DATA_ROOT = Path.of("/var/lib/skiff");
    public static final Path DEFAULT_EXEC_ROOT = Path.of("/run/skiff");
    public static final Path DEFAULT_SOCKET = Path.of("/run/skiff/skiff.sock");

    public DaemonOptions(Path dataRoot, Path execRoot, List<HttpServer.Listener> listeners) {
        this(dataRoot, execRoot, listeners, List.of());
    }

    public DaemonOptions {
        listeners = List.copyOf(listeners);
        insecureRegistries = List.copyOf(insecureRegistries);
        if (listeners.isEmpty()) {
            throw new DaemonException("the daemon needs at least one address to listen on (-H)");
        }
    }
}
