package dev.skiff.engine.build;

import dev.skiff.builder.context.DockerIgnore;
import dev.skiff.formats.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The files a COPY or ADD reads from the build context: its source patterns resolved (globs as Go's
 * {@code filepath.Match}, where {@code *} stops at {@code /}), never outside the context, never
 * through a symbolic link that leaves it, and without what {@code .dockerignore} excludes.
 * {@link #checksum} is what the step's cache key and history entry name them by.
 */
final class CopySources {
    /**
     * One source: a file, link or directory of the context.
     *
     * @param relative its path in the context ({@code .} for the root), as {@code .dockerignore} sees it
     */
    record Source(Path host, String relative) {
        boolean directory() {
            return Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS);
        }

        /** The name the source was asked by (a followed link keeps its own name, as dockerd copies it). */
        String baseName() {
            if (!relative.equals(".") && !relative.isEmpty()) {
                return relative.substring(relative.lastIndexOf('/') + 1);
            }
            Path name = host.getFileName();
            return name == null ? "" : name.toString();
        }
    }

    private final Path root;
    private final DockerIgnore ignore;
    private final boolean image;

    /** The build context: nothing outside it, no link out of it. */
    CopySources(Path root, DockerIgnore ignore) throws IOException {
        this(root, ignore, false);
    }

    private CopySources(Path root, DockerIgnore ignore, boolean image) throws IOException {
        this.root = root.toRealPath();
        this.ignore = ignore;
        this.image = image;
    }

    /** An image's root filesystem ({@code COPY --from}): links resolve inside it, as the image sees them. */
    static CopySources ofImage(Path root) throws IOException {
        return new CopySources(root, DockerIgnore.empty(), true);
    }

    /** @param keyword COPY or ADD, for messages */
    List<Source> resolve(String keyword, List<String> patterns) throws IOException {
        List<Source> sources = new ArrayList<>();
        for (String pattern : patterns) {
            String clean = clean(pattern);
            if (clean.equals("..") || clean.startsWith("../")) {
                throw new BuildException(keyword + " failed: forbidden path outside the build context: " + pattern
                        + " (a source must be inside the context directory)");
            }
            if (hasGlob(clean)) {
                for (Source matched : glob(clean)) {
                    sources.add(image ? matched : followed(keyword, matched.relative(), matched.host(), matched.relative()));
                }
                continue;
            }
            Path host = image ? dev.skiff.engine.containers.RootPath.resolve(root, clean, true) : root.resolve(clean).normalize();
            if (image) {
                if (!Files.exists(host, LinkOption.NOFOLLOW_LINKS)) {
                    throw new BuildException(keyword + " failed: stat " + pattern + ": file does not exist in the --from image or stage");
                }
                sources.add(new Source(host, host.equals(root) ? "." : clean));
                continue;
            }
            if (!Files.exists(host, LinkOption.NOFOLLOW_LINKS) || (!clean.equals(".") && ignore.excludes(clean))) {
                throw new BuildException(keyword + " failed: file not found in build context or excluded by .dockerignore: stat "
                        + pattern + ": file does not exist");
            }
            sources.add(followed(keyword, pattern, host, clean));
        }
        if (sources.isEmpty()) {
            throw new BuildException(keyword + " failed: no source files were specified (no file in the context matches "
                    + String.join(" ", patterns) + ")");
        }
        return sources;
    }

    /**
     * A source the Dockerfile names (or a glob matches) that is a link is followed, as dockerd's classic
     * builder follows it: its target's file or directory is copied under the link's own name. The
     * target must be in the context.
     */
    private Source followed(String keyword, String pattern, Path host, String relative) throws IOException {
        if (!Files.isSymbolicLink(host)) {
            return new Source(host, relative);
        }
        Path real;
        try {
            real = host.toRealPath();
        } catch (IOException e) {
            throw new BuildException(keyword + " failed: " + pattern + " is a symbolic link whose target does not exist");
        }
        if (!real.startsWith(root)) {
            throw new BuildException(keyword + " failed: forbidden path outside the build context: " + pattern
                    + " is a symbolic link to " + Files.readSymbolicLink(host) + ", outside the context");
        }
        return new Source(real, relative);
    }

    private List<Source> glob(String pattern) throws IOException {
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        List<Source> out = new ArrayList<>();
        walk(root, "", (host, relative) -> {
            if (matcher.matches(Path.of(relative))) {
                out.add(new Source(host, relative));
                return false; // a matched directory is copied whole
            }
            return true;
        });
        return out;
    }

    @FunctionalInterface
    interface Visitor {
        /** @return whether to go into this directory */
        boolean visit(Path host, String relative) throws IOException;
    }

    /** Visits what is below {@code dir} (not {@code dir} itself) in name order, leaving out ignored paths. */
    void walk(Path dir, String relative, Visitor visitor) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(dir)) {
            d.forEach(children::add);
        }
        children.sort(null);
        for (Path child : children) {
            String rel = relative.isEmpty() || relative.equals(".") ? child.getFileName().toString()
                    : relative + "/" + child.getFileName();
            boolean isDir = Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS);
            if (ignore.excludes(rel)) {
                if (isDir && ignore.mustDescend(rel)) {
                    walk(child, rel, visitor);
                }
                continue;
            }
            if (visitor.visit(child, rel) && isDir) {
                walk(child, rel, visitor);
            }
        }
    }

    /**
     * Docker's source description in history: {@code file:<hash>} for one file, {@code dir:<hash>}
     * for one directory, {@code multi:<hash>} for several. The hash covers names, types, modes, sizes,
     * link targets and contents (not times or owners: a context's owners are the client's).
     */
    String checksum(List<Source> sources) throws IOException {
        MessageDigest all = sha256();
        for (Source s : sources) {
            all.update((s.relative() + "\u0000").getBytes(StandardCharsets.UTF_8));
            describe(s.host(), all);
            if (s.directory()) {
                walk(s.host(), s.relative(), (host, relative) -> {
                    all.update((relative.substring(s.relative().equals(".") ? 0 : s.relative().length()) + "\u0000")
                            .getBytes(StandardCharsets.UTF_8));
                    describe(host, all);
                    return true;
                });
            }
        }
        String hash = Digest.of(Digest.Algorithm.SHA256, all.digest()).encoded();
        if (sources.size() > 1) {
            return "multi:" + hash;
        }
        return (sources.getFirst().directory() ? "dir:" : "file:") + hash;
    }

    private static void describe(Path p, MessageDigest md) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,size", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        md.update((Integer.toOctalString(mode) + "\u0000").getBytes(StandardCharsets.UTF_8));
        if (Files.isSymbolicLink(p)) {
            md.update((Files.readSymbolicLink(p) + "\u0000").getBytes(StandardCharsets.UTF_8));
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            md.update((a.get("size") + "\u0000").getBytes(StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(p)) {
                byte[] buf = new byte[65536];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean hasGlob(String p) {
        return p.indexOf('*') >= 0 || p.indexOf('?') >= 0 || p.indexOf('[') >= 0;
    }

    /** A source as a clean relative path: no leading slash (the context is its root), no dot segments. */
    static String clean(String pattern) {
        String p = pattern;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        if (p.isEmpty()) {
            return ".";
        }
        String n = Path.of(p).normalize().toString();
        return n.isEmpty() ? "." : n;
    }
}
