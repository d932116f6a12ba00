package dev.skiff.engine.snapshots;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes one layer tar into a directory of its own, as Docker's overlay2 driver does, so the
 * directory can serve as an overlay lower (or upper) dir above the layer's parents:
 * <ul>
 * <li>{@code .wh.NAME} becomes an overlay whiteout, a character device 0/0 named NAME;
 *     {@code .wh..wh..opq} sets {@code trusted.overlay.opaque=y} on its directory; other
 *     {@code .wh..wh.*} entries (aufs bookkeeping) are skipped.</li>
 * <li>Files, directories, symbolic and hard links, fifos and devices keep the tar's numeric
 *     owner, all twelve mode bits and nanosecond times; directories get their times after all of
 *     their contents are written.</li>
 * <li>{@code SCHILY.xattr.*} PAX records become extended attributes. {@code trusted.overlay.*}
 *     from a tar is dropped: overlayfs itself acts on those (redirects, opaque dirs, metacopy), and
 *     a layer must only say that through whiteouts. An attribute the file system or kernel refuses
 *     (EPERM, EOPNOTSUPP: e.g. {@code security.*} under an LSM) is skipped with a warning, as
 *     dockerd does in a user namespace; any other failure fails the layer. Values that are not
 *     UTF-8 text (such as {@code security.capability}) are read back byte for byte from the
 *     layer's PAX header ({@link RecentTarBytes}), since the tar reader hands values over as
 *     decoded text; when they cannot be, the attribute is skipped with a warning.</li>
 * </ul>
 * <b>Containment.</b> Nothing a tar says can create or change anything outside the directory:
 * <ul>
 * <li>a name is cleaned; a leading {@code /} is dropped (the name is relative to the layer's root,
 *     as in Docker), and a {@code ..} that climbs above the root refuses the whole layer;</li>
 * <li>the directories above an entry are resolved inside the root: a symbolic link met on the
 *     way is followed as if the root were {@code /} (an absolute target starts again at the root,
 *     {@code ..} stops at it), like containerd's {@code fs.RootPath}, so {@code evil -> /tmp/x}
 *     followed by {@code evil/pwned} writes {@code <root>/tmp/x/pwned}; the entry's own last
 *     component is never followed;</li>
 * <li>a symbolic link is stored with whatever target it has (it is only ever read in a
 *     container, whose root is the snapshot);</li>
 * <li>a hard link must point at something already in this layer, resolved the same way;
 *     otherwise the layer is refused;</li>
 * <li>character and block devices are made only when the daemon runs as root (as dockerd, which
 *     skips them in a user namespace); otherwise they are skipped with a warning;</li>
 * <li>an entry whose name is taken replaces what is there (a directory and everything in it,
 *     without following links), unless both are directories.</li>
 * </ul>
 * Nothing else writes to the directory while a layer is applied, so checking a path and then using
 * it is safe here.
 */
final class LayerApplier {
    private static final System.Logger LOG = System.getLogger(LayerApplier.class.getName());
    static final String WHITEOUT_PREFIX = ".wh.";
    static final String WHITEOUT_META_PREFIX = ".wh..wh.";
    static final String OPAQUE_MARKER = ".wh..wh..opq";
    static final String OPAQUE_XATTR = "trusted.overlay.opaque";
    private static final String XATTR_PAX_PREFIX = "SCHILY.xattr.";
    private static final int MAX_SYMLINKS = 40;

    private final Path root;
    private final boolean devicesAllowed;
    private final List<Runnable> directoryTimes = new ArrayList<>();
    /** The raw xattr values of the entry being applied, when the tar reader could not decode them. */
    private Map<String, byte[]> rawXattrs = Map.of();

    /**
     * @param root           an existing, empty directory, with no symbolic link on its path
     * @param devicesAllowed whether character and block devices are made (else skipped)
     */
    LayerApplier(Path root, boolean devicesAllowed) {
        this.root = root;
        this.devicesAllowed = devicesAllowed;
    }

    /**
     * Applies every entry of {@code tar}.
     *
     * @throws SnapshotException when an entry is unsafe or cannot be made; the directory is then
     *                           half-written and must be thrown away
     */
    void apply(TarArchiveInputStream tar) throws IOException {
        apply(tar, null);
    }

    /**
     * Applies every entry of {@code tar}, taking binary xattr values (such as {@code
     * security.capability}) byte for byte from {@code recent}, the stream the tar reader reads.
     */
    void apply(TarArchiveInputStream tar, RecentTarBytes recent) throws IOException {
        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
            rawXattrs = recent != null && hasBinaryXattr(e) ? recent.xattrsBefore(recent.position()) : Map.of();
            try {
                applyEntry(e, tar);
            } catch (InvalidPathException ex) {
                throw refuse(e.getName(), "the name cannot be a file name here (" + ex.getReason() + "); if it is not "
                        + "ASCII, start the daemon in a UTF-8 locale (LANG=C.UTF-8), as ./skiff does");
            }
        }
        for (Runnable r : directoryTimes) {
            r.run();
        }
    }

    private void applyEntry(TarArchiveEntry e, TarArchiveInputStream tar) throws IOException {
        String name = e.getName();
        List<String> parts = clean(name, name);
        if (parts.isEmpty()) {
            if (!e.isDirectory()) {
                throw refuse(name, "it would replace the layer's root directory with something that is not a directory");
            }
            setMetadata(root, e);
            return;
        }
        String base = parts.getLast();
        List<String> parentParts = parts.subList(0, parts.size() - 1);
        if (base.startsWith(WHITEOUT_PREFIX)) {
            whiteout(name, parentParts, base);
            return;
        }
        Path path = directoryFor(name, parentParts).resolve(base);
        Optional<BasicFileAttributes> existing = lstat(path);
        if (existing.isPresent() && !(existing.get().isDirectory() && e.isDirectory())) {
            removeTree(path);
            existing = Optional.empty();
        }
        if (e.isDirectory()) {
            if (existing.isEmpty()) {
                Files.createDirectory(path);
            }
        } else if (e.isSymbolicLink()) {
            String target = e.getLinkName();
            if (target.isEmpty() || target.indexOf('\0') >= 0) {
                throw refuse(name, "it is a symbolic link with an empty or invalid target");
            }
            LinuxCalls.symlink(target, path);
        } else if (e.isLink()) {
            Files.createLink(path, hardLinkTarget(name, e.getLinkName()));
            return; // the link shares its target's inode, owner, mode and times
        } else if (e.isCharacterDevice() || e.isBlockDevice()) {
            if (!devicesAllowed) {
                LOG.log(System.Logger.Level.WARNING, "skipping device node " + name + ": devices are only made when "
                        + "the daemon runs as root");
                return;
            }
            LinuxCalls.mknod(path, e.isCharacterDevice() ? LinuxCalls.S_IFCHR : LinuxCalls.S_IFBLK, e.getMode(),
                    e.getDevMajor(), e.getDevMinor());
        } else if (e.isFIFO()) {
            LinuxCalls.mknod(path, LinuxCalls.S_IFIFO, e.getMode(), 0, 0);
        } else if (isRegularFile(e)) {
            try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                tar.transferTo(out);
            }
        } else {
            throw refuse(name, "its tar entry type '" + (char) e.getLinkFlag() + "' is not one a layer may hold");
        }
        setMetadata(path, e);
    }

    private static boolean isRegularFile(TarArchiveEntry e) {
        byte flag = e.getLinkFlag();
        return flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_CONTIG
                || flag == TarConstants.LF_GNUTYPE_SPARSE;
    }

    private void whiteout(String name, List<String> parentParts, String base) throws IOException {
        Path dir = directoryFor(name, parentParts);
        if (base.equals(OPAQUE_MARKER)) {
            LinuxCalls.lsetxattr(dir, OPAQUE_XATTR, new byte[]{'y'});
            return;
        }
        if (base.startsWith(WHITEOUT_META_PREFIX)) {
            return; // aufs's own bookkeeping (.wh..wh.plnk, .wh..wh.aufs): nothing for overlayfs
        }
        String hidden = base.substring(WHITEOUT_PREFIX.length());
        if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
            throw refuse(name, "it is a whiteout for \"" + hidden + "\", which names no file");
        }
        Path path = dir.resolve(hidden);
        if (lstat(path).isPresent()) {
            removeTree(path);
        }
        LinuxCalls.mknod(path, LinuxCalls.S_IFCHR, 0, 0, 0);
    }

    /** The hard link's target, inside the layer, existing and not a directory. */
    private Path hardLinkTarget(String name, String linkName) throws IOException {
        List<String> parts = clean(linkName, name);
        if (parts.isEmpty()) {
            throw refuse(name, "it is a hard link to the layer's root directory");
        }
        Optional<Path> dir = resolve(name, parts.subList(0, parts.size() - 1), false);
        Optional<BasicFileAttributes> target = dir.map(d -> d.resolve(parts.getLast())).flatMap(LayerApplier::lstat);
        if (target.isEmpty()) {
            throw refuse(name, "it is a hard link to \"" + linkName + "\", which is not in this layer; a hard link "
                    + "must point at a file earlier in the same layer");
        }
        if (target.get().isDirectory()) {
            throw refuse(name, "it is a hard link to the directory \"" + linkName + "\"");
        }
        return dir.orElseThrow().resolve(parts.getLast());
    }

    private void setMetadata(Path path, TarArchiveEntry e) throws IOException {
        LinuxCalls.lchown(path, (int) e.getLongUserId(), (int) e.getLongGroupId());
        setXattrs(path, e);
        if (!e.isSymbolicLink()) {
            LinuxCalls.chmod(path, e.getMode()); // after lchown, which clears setuid and setgid
        }
        FileTime mtime = e.getLastModifiedTime();
        FileTime atime = Optional.ofNullable(e.getLastAccessTime()).orElse(mtime);
        Instant m = mtime.toInstant();
        Instant a = atime.toInstant();
        Runnable setTimes = () -> {
            try {
                LinuxCalls.lutimes(path, a.getEpochSecond(), a.getNano(), m.getEpochSecond(), m.getNano());
            } catch (LinuxCalls.Errno ex) {
                throw new SnapshotException("cannot set the times of " + root.relativize(path) + ": " + ex.getMessage(), ex);
            }
        };
        if (e.isDirectory()) {
            directoryTimes.add(setTimes); // writing into it later would change its mtime
        } else {
            setTimes.run();
        }
    }

    private static boolean hasBinaryXattr(TarArchiveEntry e) {
        for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
            if (h.getKey().startsWith(XATTR_PAX_PREFIX) && h.getValue().indexOf('\uFFFD') >= 0) {
                return true;
            }
        }
        return false;
    }

    private void setXattrs(Path path, TarArchiveEntry e) throws IOException {
        for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
            if (!h.getKey().startsWith(XATTR_PAX_PREFIX)) {
                continue;
            }
            String attr = h.getKey().substring(XATTR_PAX_PREFIX.length());
            String what = "extended attribute " + attr + " of " + e.getName();
            if (attr.startsWith("trusted.overlay.")) {
                LOG.log(System.Logger.Level.WARNING, "dropping " + what + ": overlayfs's own attributes are not "
                        + "taken from a layer");
                continue;
            }
            byte[] value = h.getValue().getBytes(StandardCharsets.UTF_8);
            if (h.getValue().indexOf('\uFFFD') >= 0) {
                byte[] raw = rawXattrs.get(attr);
                // the raw bytes are used only when they are what the tar reader decoded, so they are this entry's
                if (raw == null || !new String(raw, StandardCharsets.UTF_8).equals(h.getValue())) {
                    LOG.log(System.Logger.Level.WARNING, "skipping " + what + ": its value is binary and its "
                            + "bytes could not be read back from the layer");
                    continue;
                }
                value = raw;
            }
            try {
                LinuxCalls.lsetxattr(path, attr, value);
            } catch (LinuxCalls.Errno ex) {
                if (ex.errno() != LinuxCalls.EPERM && ex.errno() != LinuxCalls.EOPNOTSUPP) {
                    throw ex;
                }
                LOG.log(System.Logger.Level.WARNING, "skipping " + what + ": " + ex.getMessage());
            }
        }
    }

    // ---- paths

    /**
     * A tar name as components below the root: empty, {@code .} and a leading {@code /} dropped,
     * {@code ..} applied.
     *
     * @throws SnapshotException when {@code ..} climbs above the root or the name holds a NUL
     */
    static List<String> clean(String name, String entry) {
        if (name.indexOf('\0') >= 0) {
            throw refuse(entry, "the name holds a NUL character");
        }
        List<String> parts = new ArrayList<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    throw refuse(entry, "\"" + name + "\" points outside the layer");
                }
                parts.removeLast();
            } else {
                parts.add(p);
            }
        }
        return parts;
    }

    /** The directory {@code parts} names inside the root, made (mode 0755, root's) where missing. */
    private Path directoryFor(String entry, List<String> parts) throws IOException {
        return resolve(entry, parts, true).orElseThrow();
    }

    /**
     * Resolves directory components inside the root, following symbolic links as if the root were
     * {@code /}. The result has no link in it. With {@code create}, missing directories are made;
     * without, a missing one gives empty.
     */
    private Optional<Path> resolve(String entry, List<String> parts, boolean create) throws IOException {
        Deque<String> todo = new ArrayDeque<>(parts);
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String c = todo.removeFirst();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!done.isEmpty()) {
                    done.removeLast();
                }
                continue;
            }
            Path p = join(done).resolve(c);
            Optional<BasicFileAttributes> a = lstat(p);
            if (a.isEmpty()) {
                if (!create) {
                    return Optional.empty();
                }
                Files.createDirectory(p);
                LinuxCalls.chmod(p, 0755);
            } else if (a.get().isSymbolicLink()) {
                if (++links > MAX_SYMLINKS) {
                    throw refuse(entry, "resolving its directory met more than " + MAX_SYMLINKS + " symbolic links");
                }
                String target = Files.readSymbolicLink(p).toString();
                if (target.startsWith("/")) {
                    done.clear();
                }
                String[] targetParts = target.split("/");
                for (int i = targetParts.length - 1; i >= 0; i--) {
                    todo.addFirst(targetParts[i]);
                }
                continue;
            } else if (!a.get().isDirectory()) {
                throw refuse(entry, "\"" + String.join("/", done.isEmpty() ? List.of(c) : append(done, c))
                        + "\" is in its path but is not a directory");
            }
            done.add(c);
        }
        return Optional.of(join(done));
    }

    private static List<String> append(List<String> list, String last) {
        List<String> out = new ArrayList<>(list);
        out.add(last);
        return out;
    }

    private Path join(List<String> parts) {
        Path p = root;
        for (String s : parts) {
            p = p.resolve(s);
        }
        return p;
    }

    private static Optional<BasicFileAttributes> lstat(Path p) {
        try {
            return Optional.of(Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new SnapshotException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** Deletes {@code path} and, when it is a directory, all in it; links are removed, not followed. */
    static void removeTree(Path path) throws IOException {
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static SnapshotException refuse(String entry, String why) {
        return new SnapshotException("entry \"" + entry + "\" refused: " + why);
    }
}
