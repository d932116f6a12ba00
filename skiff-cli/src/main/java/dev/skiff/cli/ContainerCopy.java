package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.client.EngineClient;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code skiff cp}: files between a container and the host through the archive endpoints
 * ({@code GET/PUT/HEAD /containers/{id}/archive}), with docker's rules for where a copy lands: into an
 * existing directory under its own name, else at the destination's name.
 */
final class ContainerCopy {
    private static final long GO_MODE_DIR = 1L << 31;

    private ContainerCopy() {
    }

    @Command(name = "cp", mixinStandardHelpOptions = true,
            description = "Copy files/folders between a container and the local filesystem: CONTAINER:SRC_PATH DEST_PATH|- or SRC_PATH|- CONTAINER:DEST_PATH.")
    static final class Copy implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-a", "--archive"}, description = "Archive mode (copy all uid/gid information).")
        boolean archive;

        @Option(names = {"-L", "--follow-link"}, description = "Always follow symbol link in SRC_PATH.")
        boolean followLink;

        @Option(names = {"-q", "--quiet"}, description = "Suppress progress output during copy.")
        boolean quiet;

        @Parameters(index = "0", paramLabel = "SRC")
        String source;

        @Parameters(index = "1", paramLabel = "DEST")
        String destination;

        @Override
        public Integer call() throws Exception {
            int srcColon = containerColon(source);
            int dstColon = containerColon(destination);
            if (srcColon > 0 && dstColon > 0) {
                throw new Cli.UserError("copying between containers is not supported");
            }
            if (srcColon < 0 && dstColon < 0) {
                throw new Cli.UserError("must specify at least one container source");
            }
            EngineClient client = ImageCommands.client(spec);
            if (srcColon > 0) {
                return fromContainer(client, source.substring(0, srcColon), source.substring(srcColon + 1), destination);
            }
            return toContainer(client, destination.substring(0, dstColon), destination.substring(dstColon + 1), source);
        }

        private int fromContainer(EngineClient client, String container, String path, String dest) throws IOException {
            try (EngineClient.Response r = client.send("GET", "/containers/" + container + "/archive?path=" + ImageCommands.encode(path), Map.of(), null)) {
                if (r.status() / 100 != 2) {
                    throw new Cli.UserError("Error response from daemon: " + ContainerRun.readJson(r).path("message").asText("status " + r.status()));
                }
                if (dest.equals("-")) {
                    OutputStream out = new FileOutputStream(FileDescriptor.out);
                    r.body().transferTo(out);
                    out.flush();
                    return 0;
                }
                Path target = Path.of(dest).toAbsolutePath();
                String rootName = Path.of(path).getFileName() == null ? "" : Path.of(path).getFileName().toString();
                Path into;
                String rename;
                if (Files.isDirectory(target)) {
                    into = target;
                    rename = null;
                } else {
                    into = target.getParent();
                    rename = target.getFileName().toString();
                }
                long[] counted = {0};
                InputStream counting = new java.io.FilterInputStream(r.body()) {
                    @Override
                    public int read() throws IOException {
                        int c = super.read();
                        if (c >= 0) {
                            counted[0]++;
                        }
                        return c;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        if (n > 0) {
                            counted[0] += n;
                        }
                        return n;
                    }
                };
                extract(counting, into, rootName, rename);
                counting.transferTo(java.io.OutputStream.nullOutputStream());
                // docker counts the archive's bytes, not the files'
                long bytes = counted[0];
                if (!quiet && Terminal.isTerminal(2)) {
                    System.err.println("Successfully copied " + Humanize.size(bytes, 3) + " to " + dest);
                }
            }
            return 0;
        }

        private int toContainer(EngineClient client, String container, String path, String src) throws IOException {
            String putPath = path;
            Path tar = Files.createTempFile("skiff-cp", ".tar");
            try {
                long bytes = 0;
                if (src.equals("-")) {
                    Files.copy(System.in, tar, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    Path from = Path.of(src).toAbsolutePath();
                    if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                        throw new Cli.UserError("lstat " + from + ": no such file or directory");
                    }
                    String name = from.getFileName().toString();
                    JsonNode stat = stat(client, container, path);
                    if (stat == null || (stat.path("mode").asLong() & GO_MODE_DIR) == 0) {
                        // the destination is not an existing directory: the copy takes its name, in its parent
                        Path p = Path.of(path);
                        name = p.getFileName() == null ? name : p.getFileName().toString();
                        putPath = p.getParent() == null ? "/" : p.getParent().toString();
                    }
                    pack(from, name, tar, followLink);
                }
                bytes = Files.size(tar); // docker counts the archive's bytes, not the files'
                String q = "?noOverwriteDirNonDir=true" + (archive ? "&copyUIDGID=true" : "") + "&path=" + ImageCommands.encode(putPath);
                try (InputStream in = Files.newInputStream(tar);
                     EngineClient.Response r = client.send("PUT", "/containers/" + container + "/archive" + q,
                             Map.of("Content-Type", "application/x-tar"), in, Files.size(tar))) {
                    if (r.status() / 100 != 2) {
                        throw new Cli.UserError("Error response from daemon: " + ContainerRun.readJson(r).path("message").asText("status " + r.status()));
                    }
                    r.readAll();
                }
                if (!quiet && !src.equals("-") && Terminal.isTerminal(2)) { // docker reports only to a terminal
                    System.err.println("Successfully copied " + Humanize.size(bytes, 3) + " to " + container + ":" + path);
                }
            } finally {
                Files.deleteIfExists(tar);
            }
            return 0;
        }
    }

    /** docker's rule: {@code NAME:PATH} names a container unless the part before the colon looks like a path. */
    static int containerColon(String arg) {
        if (arg.startsWith("/") || arg.startsWith(".")) {
            return -1;
        }
        int colon = arg.indexOf(':');
        return colon > 0 ? colon : -1;
    }

    /** {@code HEAD .../archive}: the path's stat (name, size, mode as Go's FileMode), or null when absent. */
    static JsonNode stat(EngineClient client, String container, String path) throws IOException {
        try (EngineClient.Response r = client.send("HEAD", "/containers/" + container + "/archive?path=" + ImageCommands.encode(path), Map.of(), null)) {
            if (r.status() == 404) {
                return null;
            }
            String header = r.headers().get("x-docker-container-path-stat");
            if (r.status() / 100 != 2 || header == null) {
                return null;
            }
            return ImageCommands.JSON.readTree(Base64.getDecoder().decode(header));
        }
    }

    /** Writes {@code from} (a file or a tree) into a tar at {@code tar}, its root named {@code name}; returns content bytes. */
    static long pack(Path from, String name, Path tar, boolean followLink) throws IOException {
        long bytes = 0;
        try (OutputStream file = Files.newOutputStream(tar); TarArchiveOutputStream out = new TarArchiveOutputStream(file, StandardCharsets.UTF_8.name())) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            List<Path> paths;
            try (Stream<Path> walk = Files.walk(from)) {
                paths = walk.toList();
            }
            for (Path p : paths) {
                String rel = from.relativize(p).toString();
                String entryName = rel.isEmpty() ? name : name + "/" + rel;
                TarArchiveEntry entry;
                if (Files.isSymbolicLink(p) && !(followLink && p.equals(from))) {
                    entry = new TarArchiveEntry(entryName, TarArchiveEntry.LF_SYMLINK);
                    entry.setLinkName(Files.readSymbolicLink(p).toString());
                } else {
                    entry = new TarArchiveEntry(p, Files.isDirectory(p) ? entryName + "/" : entryName);
                }
                out.putArchiveEntry(entry);
                if (Files.isRegularFile(p) && !entry.isSymbolicLink()) {
                    bytes += Files.copy(p, out);
                }
                out.closeArchiveEntry();
            }
        }
        return bytes;
    }

    /**
     * Unpacks a tar under {@code into}; entries under {@code rootName} are renamed to {@code rename} when
     * given. An entry that would land outside {@code into} is refused. Returns content bytes.
     */
    static long extract(InputStream tar, Path into, String rootName, String rename) throws IOException {
        long bytes = 0;
        Path base = into.toAbsolutePath().normalize();
        TarArchiveInputStream in = new TarArchiveInputStream(tar, StandardCharsets.UTF_8.name());
        for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
            String name = e.getName();
            while (name.startsWith("/") || name.startsWith("./")) {
                name = name.substring(name.startsWith("/") ? 1 : 2);
            }
            if (rename != null && (name.equals(rootName) || name.equals(rootName + "/") || name.startsWith(rootName + "/"))) {
                name = rename + name.substring(rootName.length());
            }
            Path target = base.resolve(name).normalize();
            if (!target.startsWith(base)) {
                throw new Cli.UserError("the archive from the daemon has an entry outside the destination: " + e.getName());
            }
            if (e.isDirectory()) {
                Files.createDirectories(target);
            } else if (e.isSymbolicLink()) {
                Files.deleteIfExists(target);
                Files.createSymbolicLink(target, Path.of(e.getLinkName()));
                continue;
            } else if (e.isLink()) {
                Files.deleteIfExists(target);
                Files.createLink(target, base.resolve(e.getLinkName()).normalize());
                continue;
            } else if (e.isFile()) {
                Files.createDirectories(target.getParent());
                bytes += Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            } else {
                continue;
            }
            try {
                Files.setPosixFilePermissions(target, permissions(e.getMode()));
            } catch (UnsupportedOperationException | IOException ignored) {
                // permissions are best effort, as for a non-root docker cp
            }
        }
        return bytes;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) {
            if ((mode & (1 << i)) != 0) {
                set.add(order[i]);
            }
        }
        return set;
    }
}
