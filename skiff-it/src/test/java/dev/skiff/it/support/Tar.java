package dev.skiff.it.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds an uncompressed layer tar in memory; the same entries always give the same bytes. */
public final class Tar {

    private static final Instant MTIME = Instant.parse("2024-01-01T00:00:00Z");

    private sealed interface Entry permits Dir, File, Symlink, Hardlink {
    }

    private record Dir(String name) implements Entry {
    }

    private record File(String name, byte[] content, int mode) implements Entry {
    }

    private record Symlink(String name, String target) implements Entry {
    }

    private record Hardlink(String name, String target) implements Entry {
    }

    private final List<Entry> entries = new ArrayList<>();

    public Tar directory(String name) {
        entries.add(new Dir(name));
        return this;
    }

    public Tar file(String name, byte[] content, int mode) {
        entries.add(new File(name, content, mode));
        return this;
    }

    public Tar symlink(String name, String target) {
        entries.add(new Symlink(name, target));
        return this;
    }

    /** A hard link to {@code target}, an earlier file of this tar. */
    public Tar hardlink(String name, String target) {
        entries.add(new Hardlink(name, target));
        return this;
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Entry entry : entries) {
                switch (entry) {
                    case Dir d -> {
                        TarArchiveEntry e = new TarArchiveEntry(d.name().endsWith("/") ? d.name() : d.name() + "/");
                        e.setMode(040755);
                        put(tar, e, null);
                    }
                    case File f -> {
                        TarArchiveEntry e = new TarArchiveEntry(f.name());
                        e.setMode(0100000 | f.mode());
                        e.setSize(f.content().length);
                        put(tar, e, f.content());
                    }
                    case Symlink s -> {
                        TarArchiveEntry e = new TarArchiveEntry(s.name(), TarConstants.LF_SYMLINK);
                        e.setLinkName(s.target());
                        e.setMode(0120777);
                        put(tar, e, null);
                    }
                    case Hardlink h -> {
                        TarArchiveEntry e = new TarArchiveEntry(h.name(), TarConstants.LF_LINK);
                        e.setLinkName(h.target());
                        e.setMode(0100644);
                        put(tar, e, null);
                    }
                }
            }
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void put(TarArchiveOutputStream tar, TarArchiveEntry entry, byte[] content) throws IOException {
        entry.setModTime(java.util.Date.from(MTIME));
        entry.setUserId(0);
        entry.setGroupId(0);
        entry.setUserName("root");
        entry.setGroupName("root");
        tar.putArchiveEntry(entry);
        if (content != null) {
            tar.write(content);
        }
        tar.closeArchiveEntry();
    }
}
