package dev.skiff.engine.containers;

import dev.skiff.engine.sys.Mounts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A container's root filesystem: the image's snapshots as overlayfs lower dirs (top first) under the
 * container's own upper and work dirs, mounted on {@code bundle/rootfs}.
 */
final class Rootfs {
    private Rootfs() {
    }

    static void mount(Container c, List<Path> lowerDirs) {
        try {
            Path upper = c.dir().resolve("upper");
            Path work = c.dir().resolve("work");
            Files.createDirectories(upper);
            Files.createDirectories(work);
            Files.createDirectories(c.rootfs());
            if (isMounted(c.rootfs())) {
                return;
            }
            List<Path> lowers = lowerDirs;
            if (lowers.isEmpty()) {
                // an image without layers: overlayfs needs one lower dir
                Path empty = c.dir().resolve("empty");
                Files.createDirectories(empty);
                lowers = List.of(empty);
            }
            String options = "lowerdir=" + lowers.stream().map(Path::toString).collect(Collectors.joining(":"))
                    + ",upperdir=" + upper + ",workdir=" + work;
            MountCalls.mountOverlay(options, c.rootfs());
        } catch (IOException e) {
            throw new ContainerException.HostFailure("cannot mount the root filesystem of " + c.id() + ": " + e.getMessage(), e);
        }
    }

    static void unmount(Container c) {
        try {
            while (MountCalls.unmount(c.rootfs())) {
                // a mount stacked by an earlier crash comes off too
            }
        } catch (MountCalls.Errno e) {
            throw new ContainerException.HostFailure("cannot unmount the root filesystem of " + c.id() + ": " + e.getMessage(), e);
        }
    }

    /** Whether anything is mounted at or below {@code dir}. */
    static boolean anythingMountedUnder(Path dir) {
        try {
            return !Mounts.below(dir).isEmpty();
        } catch (IOException e) {
            return true; // cannot tell: assume the worst and keep the files
        }
    }

    static boolean isMounted(Path dir) {
        try {
            return Mounts.below(dir).contains(dir.toAbsolutePath().normalize());
        } catch (IOException e) {
            return false;
        }
    }
}
