package dev.skiff.engine.build;

import dev.skiff.engine.containers.RootPath;
import dev.skiff.engine.snapshots.TreeTar;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Writes COPY's sources into a root filesystem as the classic builder does: a directory source's
 * contents go into the destination; a file goes to the destination, or into it when it ends in
 * {@code /} or is a directory; missing parent directories are made (0755). Owners are
 * {@code --chown}'s or root; modes are the source's or {@code --chmod}'s; times are kept. Every
 * destination path is resolved inside the root ({@link RootPath}), so no link in the image can make
 * a copy land outside it.
 */
final class FileCopier {
    /**
     * @param uid  the copies' owner; {@link #KEEP} keeps each source's owner and group (COPY --from
     *             without --chown, as dockerd's classic builder copies from a stage or image)
     * @param mode {@code --chmod}'s bits, when given
     */
    record Ownership(int uid, int gid, OptionalInt mode) {
        static final int KEEP = -1;

        boolean keep() {
            return uid == KEEP;
        }
    }

    /**
     * COPY's and ADD's flags beyond ownership.
     *
     * @param excludes {@code --exclude} patterns ({@code .dockerignore} syntax), matched against a path
     *                 below a directory source relative to it, and against a file source's name
     * @param parents  {@code --parents}: each source lands under the destination at its own path in the
     *                 context, parent directories and all
     * @param unpack   ADD's unpacking of a local tar ({@code --unpack=false} turns it off)
     */
    record Flags(List<String> excludes, boolean parents, boolean unpack) {
        static final Flags NONE = new Flags(List.of(), false, true);

        Flags {
            excludes = List.copyOf(excludes);
        }
    }

    private final Path root;
    private final Ownership owner;

    FileCopier(Path root, Ownership owner) {
        this.root = root;
        this.owner = owner;
    }

    /**
     * @param destination an absolute container path; {@code directoryWanted} when it ended in a slash
     */
    void copy(CopySources sources, List<CopySources.Source> from, String destination, boolean directoryWanted,
              String keyword) throws IOException {
        copy(sources, from, destination, directoryWanted, keyword, Flags.NONE);
    }

    void copy(CopySources sources, List<CopySources.Source> from, String destination, boolean directoryWanted,
              String keyword, Flags flags) throws IOException {
        boolean several = from.size() > 1;
        if (several && !directoryWanted && !flags.parents()) {
            throw new BuildException("When using " + keyword + " with more than one source file, the destination must "
                    + "be a directory and end with a /");
        }
        dev.skiff.builder.context.DockerIgnore excludes = dev.skiff.builder.context.DockerIgnore.parse(String.join("\n", flags.excludes()));
        for (CopySources.Source s : from) {
            if (!flags.excludes().isEmpty() && !s.directory() && excludes.excludes(s.baseName())) {
                continue;
            }
            if (flags.parents() && !s.relative().equals(".")) {
                String base = destination.endsWith("/") ? destination : destination + "/";
                String parent = parentOf("/" + s.relative()).substring(1);
                String under = s.directory() ? base + s.relative() + "/" : base + (parent.isEmpty() ? "" : parent + "/");
                copy(sources, List.of(s), under, true, keyword, new Flags(flags.excludes(), false, flags.unpack()));
                continue;
            }
            if (keyword.equals("ADD") && flags.unpack() && Files.isRegularFile(s.host(), LinkOption.NOFOLLOW_LINKS)) {
                Optional<InputStream> archive = Archives.open(s.host());
                if (archive.isPresent()) {
                    // ADD unpacks a local tar (plain, gzip or bzip2) into the destination directory
                    try (InputStream in = archive.get()) {
                        TreeTar.extract(in, mkdirs(destination));
                    }
                    continue;
                }
            }
            if (s.directory()) {
                Path dir = mkdirs(destination);
                sources.walk(s.host(), s.relative(), (host, relative) -> {
                    String rest = s.relative().equals(".") ? relative : relative.substring(s.relative().length() + 1);
                    if (!flags.excludes().isEmpty() && excludes.excludes(rest)) {
                        // not copied; gone into only when an exception (!pattern) may bring back something below
                        return Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS) && excludes.mustDescend(rest);
                    }
                    Path target = dir.resolve(rest);
                    Files.createDirectories(target.getParent());
                    copyOne(host, target);
                    return true;
                });
                continue;
            }
            Path target;
            Path existing = RootPath.resolve(root, destination, true);
            if (directoryWanted || Files.isDirectory(existing)) {
                target = mkdirs(destination).resolve(s.baseName());
            } else {
                String parent = parentOf(destination);
                target = mkdirs(parent).resolve(nameOf(destination));
            }
            copyOne(s.host(), target);
        }
    }

    /** Copies one file, link or directory (not its contents) to {@code target}, replacing a non-directory there. */
    private void copyOne(Path source, Path target) throws IOException {
        Map<String, Object> a = Files.readAttributes(source, "unix:mode,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode") & 07777;
        if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                return; // an existing directory keeps its owner and mode, as docker's copy does
            }
            Files.deleteIfExists(target);
            Files.createDirectory(target);
        } else if (Files.isSymbolicLink(source)) {
            deleteNonDirectory(target);
            Files.createSymbolicLink(target, Files.readSymbolicLink(source));
            chown(source, target);
            return;
        } else if (Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            deleteNonDirectory(target);
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        } else {
            return; // devices, fifos and sockets of a context are not copied
        }
        chown(source, target);
        Files.setAttribute(target, "unix:mode", owner.mode().orElse(mode), LinkOption.NOFOLLOW_LINKS);
        Files.setLastModifiedTime(target, (FileTime) a.get("lastModifiedTime"));
    }

    private static void deleteNonDirectory(Path target) throws IOException {
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new BuildException("cannot replace the directory " + target.getFileName() + " with a file; "
                    + "copy to another path or remove the directory in an earlier step");
        }
        Files.deleteIfExists(target);
    }

    /** Owns {@code p} as the copy says: its source's owner when it keeps them (no source: root), else the given one. */
    private void chown(Path source, Path p) throws IOException {
        int uid = owner.uid();
        int gid = owner.gid();
        if (owner.keep()) {
            uid = source == null ? 0 : (Integer) Files.getAttribute(source, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            gid = source == null ? 0 : (Integer) Files.getAttribute(source, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        }
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * The host directory for {@code containerDir}, made with its missing parents (0755, owned as the copy).
     */
    Path mkdirs(String containerDir) throws IOException {
        String current = "/";
        Path host = root;
        for (String part : containerDir.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            current = current.equals("/") ? "/" + part : current + "/" + part;
            host = RootPath.resolve(root, current, true);
            if (!Files.exists(host, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(host);
                chown(null, host);
                Files.setAttribute(host, "unix:mode", 0755, LinkOption.NOFOLLOW_LINKS);
            } else if (!Files.isDirectory(host)) {
                throw new BuildException("cannot copy to " + containerDir + ": " + current + " is not a directory");
            }
        }
        return host;
    }

    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    static String nameOf(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /**
     * {@code --chown}'s {@code user[:group]} as numbers, names looked up in the root's
     * {@code /etc/passwd} and {@code /etc/group}; without a group, the group named like the user.
     */
    static Ownership ownership(Path root, Optional<String> chown, Optional<String> chmod) throws IOException {
        return ownership(root, chown, chmod, false);
    }

    /** @param keepByDefault without --chown, keep the sources' owners (a copy from a stage or image) */
    static Ownership ownership(Path root, Optional<String> chown, Optional<String> chmod, boolean keepByDefault) throws IOException {
        OptionalInt mode = OptionalInt.empty();
        if (chmod.isPresent()) {
            try {
                int m = Integer.parseInt(chmod.get(), 8);
                if (m < 0 || m > 07777) {
                    throw new NumberFormatException();
                }
                mode = OptionalInt.of(m);
            } catch (NumberFormatException e) {
                throw new BuildException("invalid --chmod value " + chmod.get() + ": give octal permission bits such as 755 or 0644");
            }
        }
        if (chown.isEmpty()) {
            return keepByDefault ? new Ownership(Ownership.KEEP, Ownership.KEEP, mode) : new Ownership(0, 0, mode);
        }
        String[] parts = chown.get().split(":", 2);
        String user = parts[0];
        String group = parts.length > 1 ? parts[1] : parts[0];
        int uid = id(root, "/etc/passwd", user, "user");
        int gid = id(root, "/etc/group", group, "group");
        return new Ownership(uid, gid, mode);
    }

    private static int id(Path root, String file, String name, String what) throws IOException {
        if (name.matches("\\d+")) {
            return Integer.parseInt(name);
        }
        Path host = RootPath.resolve(root, file, true);
        if (Files.isRegularFile(host)) {
            for (String line : Files.readAllLines(host, StandardCharsets.UTF_8)) {
                String[] f = line.split(":");
                if (f.length > 2 && f[0].equals(name)) {
                    try {
                        return Integer.parseInt(f[2]);
                    } catch (NumberFormatException e) {
                        break;
                    }
                }
            }
        }
        throw new BuildException("unable to convert uid/gid chown string to host mapping: can't find "
                + (what.equals("user") ? "uid" : "gid") + " for " + what + " " + name + ": no such " + what + " in "
                + file + " of the image; use numeric ids or add the " + what + " first");
    }
}
