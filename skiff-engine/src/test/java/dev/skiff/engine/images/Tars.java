package dev.skiff.engine.images;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.zip.GZIPOutputStream;

/** Small root file system tars, built the same way every time. */
final class Tars {
    static byte[] rootfs(String... files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry dir = new TarArchiveEntry("bin/");
            dir.setModTime(java.util.Date.from(Instant.parse("2024-01-01T00:00:00Z")));
            tar.putArchiveEntry(dir);
            tar.closeArchiveEntry();
            for (String f : files) {
                byte[] content = ("content of " + f + "\n").getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(f);
                e.setSize(content.length);
                e.setMode(0755);
                e.setModTime(java.util.Date.from(Instant.parse("2024-01-01T00:00:00Z")));
                tar.putArchiveEntry(e);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private Tars() {
    }
}
