package dev.skiff.engine.snapshots;

import dev.skiff.engine.content.ContentStore;
import dev.skiff.formats.Digest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Builds layer tars entry by entry, hostile ones included: names are written exactly as given. */
final class LayerTar {
    static final Instant TIME = Instant.parse("2024-01-02T03:04:05.1234567Z");

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

    LayerTar() {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    LayerTar dir(String name, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, true);
        e.setMode(mode);
        return add(e, new byte[0]);
    }

    LayerTar file(String name, String content) {
        return file(name, content, 0644, 0, 0, Map.of());
    }

    LayerTar file(String name, String content, int mode, int uid, int gid, Map<String, String> xattrs) {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        e.setMode(mode);
        e.setSize(data.length);
        e.setUserId(uid);
        e.setGroupId(gid);
        xattrs.forEach((k, v) -> e.addPaxHeader("SCHILY.xattr." + k, v));
        return add(e, data);
    }

    LayerTar symlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        e.setLinkName(target);
        e.setMode(0777);
        return add(e, new byte[0]);
    }

    LayerTar hardlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
        e.setLinkName(target);
        return add(e, new byte[0]);
    }

    LayerTar device(String name, byte type, int major, int minor) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setMode(0666);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        return add(e, new byte[0]);
    }

    LayerTar add(TarArchiveEntry e, byte[] data) {
        try {
            e.setLastModifiedTime(FileTime.from(TIME));
            tar.putArchiveEntry(e);
            tar.write(data);
            tar.closeArchiveEntry();
            return this;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    byte[] build() {
        try {
            tar.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Stores {@code blob} (the tar, compressed or not) and names it with the diff_id of {@code tar}. */
    static LayerBlob store(ContentStore content, byte[] tar, byte[] blob) {
        return new LayerBlob(content.put(blob), Digest.sha256(tar));
    }

    static LayerBlob store(ContentStore content, byte[] tar) {
        return store(content, tar, tar);
    }
}
