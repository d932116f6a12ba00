package dev.skiff.engine.snapshots;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Directory trees to tar and back, for a container's files: {@code cp}, {@code export} and
 * {@code commit}. Writing never follows a symbolic link (a link is stored as a link); with
 * {@link Mode#OVERLAY_DIFF} an overlay upper dir becomes an OCI layer: a whiteout (character device
 * 0/0) becomes an empty {@code .wh.NAME}, an opaque directory ({@code trusted.overlay.opaque=y})
 * gets a {@code .wh..wh..opq} entry. Reading goes through {@link LayerApplier}, so a tar cannot
 * reach outside the directory it is unpacked into.
 */
public final class TreeTar {
    /** How a tree is read. */
    public enum Mode {
        /** Files as they are. */
        PLAIN,
        /** An overlay upper dir: whiteouts and opaque dirs become OCI whiteout entries. */
        OVERLAY_DIFF
    }

    private TreeTar() {
    }

    /** A tar stream that writes long names, big numbers and PAX headers as docker's does. */
    public static TarArchiveOutputStream output(OutputStream out) {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        return tar;
    }

    /**
     * Writes {@code source} (file, link or directory with everything below) as entries named
     * {@code name} and {@code name/...}; an empty name writes a directory's contents at the top.
     *
     * @param skip paths left out, with everything below them (e.g. mount points of volumes)
     */
    public static void write(Path source, String name, TarArchiveOutputStream tar, Mode mode, Predicate<Path> skip) throws IOException {
        entry(source, name, tar, mode, skip, Optional.empty());
    }

    /**
     * As {@link #write(Path, String, TarArchiveOutputStream, Mode, Predicate)}, with no time later than
     * {@code clamp} ({@code SOURCE_DATE_EPOCH}): the same files give the same bytes whenever they were made.
     */
    public static void write(Path source, String name, TarArchiveOutputStream tar, Mode mode, Predicate<Path> skip,
                             Optional<FileTime> clamp) throws IOException {
        entry(source, name, tar, mode, skip, clamp);
    }

    private static void entry(Path p, String name, TarArchiveOutputStream tar, Mode mode, Predicate<Path> skip,
                              Optional<FileTime> clamp) throws IOException {
        if (skip.test(p)) {
            return;
        }
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,rdev,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        int st = (Integer) a.get("mode");
        int type = st & 0170000;
        FileTime mtime = (FileTime) a.get("lastModifiedTime");
        if (clamp.isPresent() && mtime.compareTo(clamp.get()) > 0) {
            mtime = clamp.get();
        }
        if (mode == Mode.OVERLAY_DIFF && type == LinuxCalls.S_IFCHR && (Long) a.get("rdev") == 0L && !name.isEmpty()) {
            int slash = name.lastIndexOf('/');
            String whiteout = name.substring(0, slash + 1) + LayerApplier.WHITEOUT_PREFIX + name.substring(slash + 1);
            TarArchiveEntry e = new TarArchiveEntry(whiteout);
            e.setSize(0);
            e.setModTime(mtime);
            tar.putArchiveEntry(e);
            tar.closeArchiveEntry();
            return;
        }
        TarArchiveEntry e;
        boolean directory = type == 0040000;
        switch (type) {
            case 0040000 -> e = name.isEmpty() ? null : new TarArchiveEntry(name + "/");
            case 0120000 -> {
                e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
                e.setLinkName(Files.readSymbolicLink(p).toString());
            }
            case 0100000 -> {
                e = new TarArchiveEntry(name);
                e.setSize((Long) a.get("size"));
            }
            case LinuxCalls.S_IFCHR, LinuxCalls.S_IFBLK -> {
                e = new TarArchiveEntry(name, type == LinuxCalls.S_IFCHR ? TarConstants.LF_CHR : TarConstants.LF_BLK);
                long rdev = (Long) a.get("rdev");
                e.setDevMajor((int) (((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL)));
                e.setDevMinor((int) ((rdev & 0xff) | ((rdev >> 12) & ~0xffL)));
            }
            case LinuxCalls.S_IFIFO -> e = new TarArchiveEntry(name, TarConstants.LF_FIFO);
            default -> e = null; // sockets are not archived, as in docker
        }
        if (e != null) {
            e.setMode(st & 07777);
            e.setUserId((Integer) a.get("uid"));
            e.setGroupId((Integer) a.get("gid"));
            e.setModTime(mtime);
            tar.putArchiveEntry(e);
            if (type == 0100000) {
                Files.copy(p, tar);
            }
            tar.closeArchiveEntry();
        }
        if (!directory) {
            return;
        }
        String prefix = name.isEmpty() ? "" : name + "/";
        if (mode == Mode.OVERLAY_DIFF && opaque(p)) {
            TarArchiveEntry o = new TarArchiveEntry(prefix + LayerApplier.OPAQUE_MARKER);
            o.setSize(0);
            o.setModTime(mtime);
            tar.putArchiveEntry(o);
            tar.closeArchiveEntry();
        }
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(p)) {
            d.forEach(children::add);
        }
        children.sort(null);
        for (Path child : children) {
            entry(child, prefix + child.getFileName(), tar, mode, skip, clamp);
        }
    }

    /** Whether an overlay upper dir's directory is opaque: it hides all of the lower layers' below it. */
    public static boolean opaque(Path dir) throws IOException {
        try {
            Optional<byte[]> v = LinuxCalls.lgetxattr(dir, LayerApplier.OPAQUE_XATTR);
            return v.isPresent() && v.get().length > 0 && v.get()[0] == 'y';
        } catch (LinuxCalls.Errno e) {
            throw new IOException("cannot read " + LayerApplier.OPAQUE_XATTR + " of " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Unpacks a tar into an existing directory, contained as a layer is ({@link LayerApplier}): no
     * entry or link in the tar can write outside {@code dir}.
     *
     * @throws SnapshotException when an entry is unsafe
     */
    public static void extract(InputStream in, Path dir) throws IOException {
        extract(in, dir, (name, directory) -> { });
    }

    /** As {@link #extract(InputStream, Path)}, with {@code check} seeing each entry before it is written. */
    public static void extract(InputStream in, Path dir, EntryCheck check) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(in) {
            @Override
            public TarArchiveEntry getNextEntry() throws IOException {
                TarArchiveEntry e = super.getNextEntry();
                if (e != null) {
                    check.check(e.getName(), e.isDirectory());
                }
                return e;
            }
        };
        new LayerApplier(dir, LinuxCalls.isRoot()).apply(tar);
    }

    /** Looks at one entry of a tar before it is unpacked; throws to stop the unpacking. */
    @FunctionalInterface
    public interface EntryCheck {
        void check(String name, boolean directory) throws IOException;
    }
}
