package dev.skiff.engine.containers;

import dev.skiff.engine.snapshots.TreeTar;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A container's files from outside: {@code cp} both ways, {@code export}, and the upper dir that
 * {@code commit} turns into a layer. Paths are resolved as the container sees them and never leave
 * its root ({@link RootPath}); a path under one of its volumes or binds is that mount's source, as
 * docker's {@code cp} shows the container's view. A stopped container's overlay is mounted for the
 * operation's length ({@link ContainerEngine#withRootfs}).
 *
 * <p>A running container is frozen while its paths are resolved and used, so it cannot swap a
 * directory for a link in between (docker's cp race, CVE-2018-15664).
 */
public final class ContainerFiles {
    private final ContainerEngine engine;

    public ContainerFiles(ContainerEngine engine) {
        this.engine = engine;
    }

    /**
     * What docker's {@code X-Docker-Container-Path-Stat} header says about a path.
     *
     * @param mode       Go's {@code os.FileMode} bits, what the docker CLI decodes
     * @param linkTarget for a link, the container path it resolves to; else empty
     */
    public record PathStat(String name, long size, long mode, Instant mtime, String linkTarget) {
        public boolean directory() {
            return (mode & GO_DIR) != 0;
        }
    }

    static final long GO_DIR = 1L << 31;
    private static final long GO_SYMLINK = 1L << 27;
    private static final long GO_DEVICE = 1L << 26;
    private static final long GO_PIPE = 1L << 25;
    private static final long GO_SOCKET = 1L << 24;
    private static final long GO_SETUID = 1L << 23;
    private static final long GO_SETGID = 1L << 22;
    private static final long GO_CHAR = 1L << 21;
    private static final long GO_STICKY = 1L << 20;

    /** @throws PathNotFoundException when nothing is there */
    public PathStat stat(String ref, String path) throws IOException {
        return engine.withRootfs(ref, true, (c, root) -> statIn(c, root, path));
    }

    private PathStat statIn(Container c, Path root, String path) throws IOException {
        Path host = resolve(c, root, path, false);
        if (!Files.exists(host, LinkOption.NOFOLLOW_LINKS)) {
            throw new PathNotFoundException(path, c);
        }
        Map<String, Object> a = Files.readAttributes(host, "unix:mode,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        int st = (Integer) a.get("mode");
        String link = "";
        if ((st & 0170000) == 0120000) {
            Path target = resolve(c, root, path, true);
            link = containerPath(c, root, target);
        }
        String name = baseName(path);
        return new PathStat(name, (Long) a.get("size"), goMode(st), ((FileTime) a.get("lastModifiedTime")).toInstant(), link);
    }

    /** Writes a tar of {@code path}, its entries named after the path's base name, as docker's GET archive. */
    public void archive(String ref, String path, OutputStream out) throws IOException {
        engine.withRootfs(ref, true, (c, root) -> {
            Path host = resolve(c, root, path, false);
            if (!Files.exists(host, LinkOption.NOFOLLOW_LINKS)) {
                throw new PathNotFoundException(path, c);
            }
            TarArchiveOutputStream tar = TreeTar.output(out);
            String name = baseName(path);
            TreeTar.write(host, name.equals("/") ? "." : name, tar, TreeTar.Mode.PLAIN, p -> false);
            tar.finish();
            tar.flush();
            return null;
        });
    }

    /**
     * Unpacks a tar into the directory {@code path} of the container.
     *
     * @param noOverwriteDirNonDir refuse to replace a directory with a non-directory or the reverse
     * @throws PathNotFoundException when the directory does not exist
     */
    public void extract(String ref, String path, InputStream tarStream, boolean noOverwriteDirNonDir) throws IOException {
        engine.withRootfs(ref, true, (c, root) -> {
            Path dir = resolve(c, root, path, true);
            if (!Files.exists(dir)) {
                throw new PathNotFoundException(path, c);
            }
            if (!Files.isDirectory(dir)) {
                throw new ContainerException.InvalidArgument("extraction point is not a directory: " + path);
            }
            if (!engine.mounts(c).stream().filter(m -> !m.rw()).filter(m -> under(dir, m.source())).toList().isEmpty()
                    || (c.hostConfig().readonlyRootfs() && dir.startsWith(root))) {
                throw new ContainerException.InvalidArgument("container rootfs is marked read-only");
            }
            TreeTar.extract(tarStream, dir, (name, directory) -> {
                if (!noOverwriteDirNonDir) {
                    return;
                }
                Path existing = RootPath.resolve(dir, name, false);
                if (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
                    return;
                }
                boolean isDir = Files.isDirectory(existing, LinkOption.NOFOLLOW_LINKS);
                if (isDir && !directory) {
                    throw new ContainerException.InvalidArgument("cannot overwrite directory \"" + path + "/" + name
                            + "\" with non-directory; remove it first or copy to another path");
                }
                if (!isDir && directory) {
                    throw new ContainerException.InvalidArgument("cannot overwrite non-directory \"" + path + "/" + name
                            + "\" with directory; remove it first or copy to another path");
                }
            });
            return null;
        });
    }

    /** Writes a tar of the container's whole root filesystem (its volumes excluded, as docker's export). */
    public void export(String ref, OutputStream out) throws IOException {
        engine.withRootfs(ref, true, (c, root) -> {
            TarArchiveOutputStream tar = TreeTar.output(out);
            TreeTar.write(root, "", tar, TreeTar.Mode.PLAIN, p -> false);
            tar.finish();
            tar.flush();
            return null;
        });
    }

    /**
     * Writes the container's changes to its image as an OCI layer tar: its overlay upper dir, with
     * whiteouts and opaque directories as {@code .wh.} entries.
     */
    public void diff(Container c, OutputStream out) throws IOException {
        diff(c, out, Optional.empty());
    }

    /** As {@link #diff(Container, OutputStream)}, no entry's time later than {@code clamp} ({@code SOURCE_DATE_EPOCH}). */
    public void diff(Container c, OutputStream out, Optional<Instant> clamp) throws IOException {
        TarArchiveOutputStream tar = TreeTar.output(out);
        Path upper = c.dir().resolve("upper");
        if (Files.isDirectory(upper)) {
            TreeTar.write(upper, "", tar, TreeTar.Mode.OVERLAY_DIFF, p -> isMountStub(upper, p), clamp.map(FileTime::from));
        }
        tar.finish();
        tar.flush();
    }

    /** Where the runtime mounts over every container's root: files and directories it creates when the image lacks them. */
    private static final List<String> STUB_FILES = List.of("etc/hosts", "etc/hostname", "etc/resolv.conf");
    private static final List<String> STUB_DIRS = List.of("dev", "proc", "sys");

    /**
     * Whether {@code p} is an empty mount point the runtime made in the upper dir (dockerd keeps them in
     * an init layer): nothing the container wrote, since the mount hid it, so no part of its changes.
     */
    static boolean isMountStub(Path upper, Path p) {
        String relative = upper.relativize(p).toString();
        try {
            if (STUB_FILES.contains(relative)) {
                return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.size(p) == 0;
            }
            if (STUB_DIRS.contains(relative) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                try (var entries = Files.list(p)) {
                    return entries.findAny().isEmpty();
                }
            }
            if (relative.equals("etc") && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                // copied up by overlayfs only to hold the stub files
                try (var entries = Files.list(p)) {
                    return entries.allMatch(e -> isMountStub(upper, e));
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /**
     * Takes out of the container's changes the mount points the runtime made for {@code targets} (a
     * build's {@code RUN --mount}s): each target's empty directory or file in the upper dir, then each
     * directory above it left empty, unless opaque; such a directory was made for the mount point, or
     * copied up from the image to hold it, and either way is no change of the RUN's.
     */
    public void removeMountPoints(Container c, List<String> targets) throws IOException {
        Path upper = c.dir().resolve("upper");
        for (String target : targets) {
            Path p = upper.resolve(target.replaceFirst("^/+", "")).normalize();
            if (!p.startsWith(upper) || p.equals(upper)) {
                continue;
            }
            Path from = p;
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && Files.size(p) == 0) {
                Files.delete(p);
                from = p.getParent();
            } else if (!emptyDirectory(p)) {
                continue;
            }
            for (Path dir = from; !dir.equals(upper) && emptyDirectory(dir) && !TreeTar.opaque(dir); dir = dir.getParent()) {
                Files.delete(dir);
            }
        }
    }

    private static boolean emptyDirectory(Path p) throws IOException {
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (var entries = Files.list(p)) {
            return entries.findAny().isEmpty();
        }
    }

    /** Whether the container changed anything of its image: its upper dir holds more than mount stubs. */
    public boolean changed(Container c) throws IOException {
        Path upper = c.dir().resolve("upper");
        if (!Files.isDirectory(upper)) {
            return false;
        }
        boolean[] found = {false};
        Files.walkFileTree(upper, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(upper) && isMountStub(upper, dir)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                if (!dir.equals(upper)) {
                    found[0] = true;
                    return FileVisitResult.TERMINATE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (!isMountStub(upper, file)) {
                    found[0] = true;
                    return FileVisitResult.TERMINATE;
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return found[0];
    }

    /** Bytes the container wrote (its upper dir's regular files), what removing it reclaims. */
    public long sizeRw(Container c) {
        long[] total = {0};
        Path upper = c.dir().resolve("upper");
        if (!Files.isDirectory(upper)) {
            return 0;
        }
        try {
            Files.walkFileTree(upper, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        total[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // what was counted
        }
        return total[0];
    }

    /**
     * The host path of a container path: resolved in the root, then, when it falls under one of the
     * container's mounts, resolved again in that mount's source (links there too stay inside it).
     */
    private Path resolve(Container c, Path root, String path, boolean followLast) throws IOException {
        Path inRoot = RootPath.resolve(root, path, followLast);
        String containerPath = containerPath(c, root, inRoot);
        // a tmpfs lives in the container's mount namespace only: the host sees the rootfs under it
        Optional<MountPoint> mount = mountsOf(c).stream()
                .filter(m -> !m.isTmpfs() && isUnder(containerPath, m.destination()))
                .max(Comparator.comparingInt(m -> m.destination().length()));
        if (mount.isEmpty()) {
            return inRoot;
        }
        String dest = Path.of(mount.get().destination()).normalize().toString();
        String rest = containerPath.substring(dest.length());
        return RootPath.resolve(mount.get().source(), rest, followLast);
    }

    /** The container's binds and volumes, and the hosts, resolv.conf and hostname files every container gets. */
    private List<MountPoint> mountsOf(Container c) {
        List<MountPoint> all = new java.util.ArrayList<>(engine.mounts(c));
        for (var file : Map.of("/etc/hosts", c.hostsPath(), "/etc/resolv.conf", c.resolvConfPath(),
                "/etc/hostname", c.hostnamePath()).entrySet()) {
            if (Files.isRegularFile(file.getValue(), LinkOption.NOFOLLOW_LINKS)) {
                all.add(new MountPoint("bind", "", file.getValue(), file.getKey(), true, ""));
            }
        }
        return all;
    }

    private static boolean isUnder(String containerPath, String destination) {
        String d = Path.of(destination).normalize().toString();
        return containerPath.equals(d) || containerPath.startsWith(d.endsWith("/") ? d : d + "/");
    }

    private static boolean under(Path p, Path dir) {
        return p.normalize().startsWith(dir.normalize());
    }

    private static String containerPath(Container c, Path root, Path host) {
        if (!host.startsWith(root)) {
            return "/";
        }
        return "/" + root.relativize(host);
    }

    static String baseName(String path) {
        String p = path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.endsWith("/.")) {
            return ".";
        }
        Path name = Path.of(p).getFileName();
        return name == null ? "/" : name.toString();
    }

    static long goMode(int st) {
        long m = st & 0777;
        if ((st & 04000) != 0) {
            m |= GO_SETUID;
        }
        if ((st & 02000) != 0) {
            m |= GO_SETGID;
        }
        if ((st & 01000) != 0) {
            m |= GO_STICKY;
        }
        switch (st & 0170000) {
            case 0040000 -> m |= GO_DIR;
            case 0120000 -> m |= GO_SYMLINK;
            case 0010000 -> m |= GO_PIPE;
            case 0140000 -> m |= GO_SOCKET;
            case 0020000 -> m |= GO_DEVICE | GO_CHAR;
            case 0060000 -> m |= GO_DEVICE;
            default -> {
            }
        }
        return m;
    }
}
