package dev.skiff.engine.network;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Named network namespaces that outlive their processes: {@code <execRoot>/netns/<containerId>} is a
 * bind mount of a namespace, as {@code ip netns add} makes under /run/netns. They live under the exec
 * root rather than /run/netns so that two daemons (or a daemon and its tests) never see, or clean up,
 * each other's namespaces. util-linux's {@code unshare --net=<file>} creates one in a single step.
 */
final class NetNamespaces {
    private final Path dir;

    NetNamespaces(Path execRoot) {
        this.dir = execRoot.resolve("netns");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new NetworkException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    Path pathOf(String containerId) {
        return dir.resolve(containerId);
    }

    Path create(String containerId) {
        Path path = pathOf(containerId);
        try {
            Files.deleteIfExists(path);
            Files.createFile(path);
        } catch (IOException e) {
            throw new NetworkException("cannot create the network namespace file " + path + ": " + e.getMessage(), e);
        }
        Commands.Outcome o = Commands.run(List.of("unshare", "--net=" + path, "true"));
        if (!o.ok()) {
            delete(containerId);
            throw new NetworkException("cannot create a network namespace at " + path + ": " + o.complaint());
        }
        return path;
    }

    /** Unmounts and removes the namespace's file; quiet when it is already gone. */
    void delete(String containerId) {
        Path path = pathOf(containerId);
        if (!Files.exists(path)) {
            return;
        }
        // Fails harmlessly when the file is not a mount point (a crash between create and unshare).
        Commands.run(List.of("umount", path.toString()));
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new NetworkException("cannot remove the network namespace " + path + ": " + e.getMessage(), e);
        }
    }

    /** The container IDs that have a namespace file here, bind-mounted or not. */
    List<String> list() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
