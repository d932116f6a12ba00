package dev.skiff.engine.containers;

import dev.skiff.engine.content.ContentStore;
import dev.skiff.engine.images.Image;
import dev.skiff.engine.images.ImageImporter;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.engine.images.ImportOptions;
import dev.skiff.engine.images.ReferenceSyntax;
import dev.skiff.engine.snapshots.Snapshotter;
import dev.skiff.formats.ImageReference;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A data root with an image of Debian's static busybox (plus /etc/passwd and /etc/group), as tests need one. */
public final class BusyboxImage {
    public static final String TAG = "docker.io/library/skiff-test-busybox:latest";

    public final ContentStore content;
    public final Snapshotter snapshots;
    public final ImageStore images;
    public final Image image;

    public BusyboxImage(Path dataRoot) throws IOException {
        content = ContentStore.open(dataRoot);
        snapshots = Snapshotter.open(dataRoot, content);
        images = ImageStore.open(dataRoot, content, new References(), e -> {
        }, snapshots.asUnpacker());
        image = new ImageImporter(content, images).importImage(new ByteArrayInputStream(rootfsTar()),
                ImportOptions.defaults().withReference(TAG).withChanges(List.of("ENV GREETING=hello", "CMD [\"sh\"]")));
    }

    static byte[] rootfsTar() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (String d : List.of("bin/", "etc/", "tmp/", "mnt/", "proc/", "sys/", "dev/")) {
                TarArchiveEntry e = new TarArchiveEntry(d);
                e.setMode(d.equals("tmp/") ? 01777 : 0755);
                tar.putArchiveEntry(e);
                tar.closeArchiveEntry();
            }
            file(tar, "bin/busybox", Files.readAllBytes(Path.of("/bin/busybox").toRealPath()), 0755);
            for (String applet : List.of("sh", "sleep", "echo", "cat", "ls", "id", "mount", "true", "false", "wc", "hostname", "grep", "env")) {
                TarArchiveEntry link = new TarArchiveEntry("bin/" + applet, TarArchiveEntry.LF_SYMLINK);
                link.setLinkName("busybox");
                tar.putArchiveEntry(link);
                tar.closeArchiveEntry();
            }
            file(tar, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
                    .getBytes(StandardCharsets.UTF_8), 0644);
            file(tar, "etc/group", "root:x:0:\nstaff:x:50:nobody\nnogroup:x:65534:\n".getBytes(StandardCharsets.UTF_8), 0644);
            file(tar, "bin/not-executable", "#!/bin/sh\necho no\n".getBytes(StandardCharsets.UTF_8), 0644);
        }
        return bytes.toByteArray();
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] content, int mode) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(content.length);
        e.setMode(mode);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    /** Docker's reference rules, as the daemon uses them. */
    public static final class References implements ReferenceSyntax {
        @Override
        public String normalize(String text) {
            return ImageReference.parse(text).withDefaultTag().toString();
        }

        @Override
        public String familiar(String fullReference) {
            return ImageReference.parse(fullReference).familiarString();
        }
    }
}
