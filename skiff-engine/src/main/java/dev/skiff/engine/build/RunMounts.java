package dev.skiff.engine.build;

import dev.skiff.builder.instructions.RunMount;
import dev.skiff.engine.containers.Mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A RUN's {@code --mount}s, as BuildKit gives them, made into the mounts of its container and put away
 * after it ran:
 * <ul>
 *   <li>{@code type=cache}: a directory of the builder's own ({@link BuildCache#mountCache}), kept from
 *       build to build, by {@code id} (the target by default); {@code sharing=shared} lets builds use it
 *       at once, {@code locked} makes them take turns, {@code private} gives a build that finds it in use
 *       a fresh one. {@code mode}, {@code uid} and {@code gid} apply when it is made.</li>
 *   <li>{@code type=tmpfs}: an empty tmpfs, {@code size} bounded.</li>
 *   <li>{@code type=bind}: a path of the context (or of a stage or image, {@code from}), read-only
 *       unless {@code rw}; what a RUN writes to a {@code rw} one is thrown away, as BuildKit does: it gets
 *       a copy.</li>
 * </ul>
 * Secrets come from the client ({@link #secret}); ssh mounts, which need the client's agent, are refused
 * with a clear error. What a mount shows the RUN belongs in the step's cache
 * key ({@link #keyParts}): a bind's content by checksum, a cache's or tmpfs's spec alone (BuildKit's
 * rule: a cache's content never decides a step).
 */
final class RunMounts implements AutoCloseable {
    /** A stage's or image's files, copied out under {@code into}: {@code source} relative to its root. */
    @FunctionalInterface
    interface ImageFiles {
        void copy(String from, String source, Path into) throws IOException;
    }

    private final List<Mount> mounts = new ArrayList<>();
    private final List<String> targets = new ArrayList<>();
    private final List<Path> temporary = new ArrayList<>();
    private final List<ReentrantLock> held = new ArrayList<>();
    private final List<String> env = new ArrayList<>();
    private Path secretDir;
    private Path mountedSecrets;
    private int secretFiles;

    private RunMounts() {
    }

    /** The parts of the step's cache key its mounts add. */
    static List<String> keyParts(List<RunMount> specs, CopySources context, java.util.function.Function<String, String> imageIdOf,
                                 String workdir, java.util.Set<String> secretIds) throws IOException {
        List<String> parts = new ArrayList<>();
        for (RunMount m : specs) {
            if (m.type() == RunMount.Type.SSH) {
                throw unsupported(m);
            }
            if (m.type() == RunMount.Type.SECRET) {
                if (m.required() && !secretIds.contains(secretId(m))) {
                    throw missing(secretId(m)); // before the cache: a build that needs a secret fails without it, cached or not
                }
                // what the secret holds is never part of a key, as in BuildKit: only where and how it is given
                parts.add("SECRET " + secretId(m) + " " + m.target().orElse("") + " " + m.env().orElse("") + " "
                        + m.required() + " " + m.mode().orElse(0400) + " " + m.uid().orElse(0) + " " + m.gid().orElse(0));
                continue;
            }
            String target = target(m, workdir);
            String spec = m.type() + " " + target + " " + m.readOnly();
            String bound = "";
            if (m.type() == RunMount.Type.BIND) {
                bound = m.from().isPresent() ? "from " + imageIdOf.apply(m.from().get())
                        : "context " + context.checksum(context.resolve("RUN --mount", List.of(m.source().orElse("/"))));
            }
            String b = bound;
            parts.add(switch (m.type()) {
                case BIND -> spec + " " + b + " " + m.source().orElse("/");
                case CACHE -> spec + " " + id(m, target) + " " + m.sharing().map(Enum::name).orElse("SHARED")
                        + " " + m.mode().orElse(0755) + " " + m.uid().orElse(0) + " " + m.gid().orElse(0);
                case TMPFS -> spec + " " + m.sizeLimit().orElse(0);
                case SECRET, SSH -> throw unsupported(m);
            });
        }
        return parts;
    }

    /** Makes each mount ready: cache directories made (and locked, as their sharing says), binds copied where written to. */
    static RunMounts prepare(List<RunMount> specs, String workdir, CopySources context, Path scratch, BuildCache cache,
                             ImageFiles images, Map<String, byte[]> secrets) throws IOException {
        RunMounts made = new RunMounts();
        try {
            for (RunMount m : specs) {
                if (m.type() == RunMount.Type.SECRET) {
                    made.secret(m, secrets, scratch);
                    continue;
                }
                String target = target(m, workdir);
                made.targets.add(target);
                switch (m.type()) {
                    case CACHE -> made.mounts.add(Mount.bind(made.cacheDir(m, target, cache).toString(), target, false));
                    case TMPFS -> made.mounts.add(Mount.tmpfs(target, m.sizeLimit().orElse(0), 0));
                    case BIND -> made.mounts.add(Mount.bind(made.bindSource(m, context, scratch, images).toString(), target, m.readOnly()));
                    case SECRET, SSH -> throw unsupported(m);
                }
            }
            return made;
        } catch (IOException | RuntimeException e) {
            made.close();
            throw e;
        }
    }

    /** A file the RUN runs (a here-document with {@code #!}), executable, bound read-only at {@code target}. */
    void script(String target, String content, Path scratch) throws IOException {
        Path file = temporaryDir(scratch).resolve("script");
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, permissions(0755));
        mounts.add(Mount.bind(file.toString(), target, true));
    }

    /**
     * A secret the client handed over ({@code skiff build --secret id=ID,src=FILE}): a file of its own on
     * a small tmpfs, bound read-only at the target ({@code /run/secrets/<id>} by default), mode 0400 unless
     * {@code mode} says otherwise; or, with {@code env=}, a variable of the RUN's alone. Never in the image,
     * its history or a cache key. A missing one fails the RUN only when {@code required}.
     */
    private void secret(RunMount m, Map<String, byte[]> secrets, Path scratch) throws IOException {
        String id = secretId(m);
        byte[] value = secrets.get(id);
        if (value == null) {
            if (m.required()) {
                throw missing(id);
            }
            return;
        }
        if (m.env().isPresent()) {
            env.add(m.env().get() + "=" + new String(value, java.nio.charset.StandardCharsets.UTF_8));
            if (m.target().isEmpty()) {
                return;
            }
        }
        if (secretDir == null) {
            Path dir = temporaryDir(scratch);
            if (dev.skiff.engine.sys.Mounts.tmpfs(dir, 1L << 20)) {
                mountedSecrets = dir;
            }
            secretDir = dir;
        }
        Path file = secretDir.resolve("secret-" + secretFiles++);
        Files.write(file, value);
        Files.setPosixFilePermissions(file, permissions((int) m.mode().orElse(0400)));
        Files.setAttribute(file, "unix:uid", (int) m.uid().orElse(0), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(file, "unix:gid", (int) m.gid().orElse(0), LinkOption.NOFOLLOW_LINKS);
        String target = m.target().map(t -> t.startsWith("/") ? t : "/run/secrets/" + t).orElse("/run/secrets/" + id);
        target = Path.of(target).normalize().toString();
        targets.add(target);
        mounts.add(Mount.bind(file.toString(), target, true));
    }

    private static BuildException missing(String id) {
        return new BuildException("secret " + id + " not found: give it to the build with "
                + "skiff build --secret id=" + id + ",src=FILE (or env=VARIABLE)");
    }

    /** A secret's id: its {@code id=}, else the name of its target. */
    private static String secretId(RunMount m) {
        return m.id().filter(i -> !i.isEmpty()).or(() -> m.target().map(t -> Path.of(t).getFileName().toString()))
                .orElseThrow(() -> new BuildException("RUN --mount=type=secret needs an id (id=NAME) or a target"));
    }

    /** Variables of the RUN's process alone ({@code type=secret,env=}): not in the image, not in the key. */
    List<String> env() {
        return env;
    }

    List<Mount> mounts() {
        return mounts;
    }

    /** Where each mount appears in the container, absolute. */
    List<String> targets() {
        return targets;
    }

    private Path cacheDir(RunMount m, String target, BuildCache cache) throws IOException {
        Path dir = cache.mountCache(id(m, target));
        RunMount.Sharing sharing = m.sharing().orElse(RunMount.Sharing.SHARED);
        if (sharing == RunMount.Sharing.LOCKED) {
            ReentrantLock lock = cache.lock(dir);
            lock.lock();
            held.add(lock);
        } else if (sharing == RunMount.Sharing.PRIVATE) {
            ReentrantLock lock = cache.lock(dir);
            if (!lock.tryLock()) {
                Path fresh = cache.privateMountCache();
                temporary.add(fresh);
                own(fresh, m);
                return fresh;
            }
            held.add(lock);
        }
        if (!Files.isDirectory(dir)) {
            Path parent = Files.createDirectories(dir.getParent());
            Path made = Files.createTempDirectory(parent, "new-");
            own(made, m);
            try {
                Files.move(made, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                Files.delete(made); // another build made it meanwhile
            }
        }
        return dir;
    }

    private static void own(Path dir, RunMount m) throws IOException {
        int mode = (int) m.mode().orElse(0755);
        Files.setPosixFilePermissions(dir, permissions(mode));
        if (m.uid().isPresent() || m.gid().isPresent()) {
            Files.setAttribute(dir, "unix:uid", (int) m.uid().orElse(0), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(dir, "unix:gid", (int) m.gid().orElse(0), LinkOption.NOFOLLOW_LINKS);
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        StringBuilder s = new StringBuilder();
        for (int shift = 6; shift >= 0; shift -= 3) {
            int bits = mode >> shift & 7;
            s.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
        }
        return PosixFilePermissions.fromString(s.toString());
    }

    /**
     * A bind's source on this host: the context's path itself when read-only; otherwise (or when it is
     * a stage's or image's) a copy in a directory of its own, removed after the RUN.
     */
    private Path bindSource(RunMount m, CopySources context, Path scratch, ImageFiles images) throws IOException {
        String source = m.source().orElse("/");
        if (m.from().isEmpty()) {
            Path path = context.resolve("RUN --mount", List.of(source)).getFirst().host();
            if (m.readOnly()) {
                return path;
            }
            Path into = temporaryDir(scratch).resolve("mount");
            copyTree(path, into);
            return into;
        }
        Path into = temporaryDir(scratch).resolve("mount");
        images.copy(m.from().get(), source, into);
        return into;
    }

    private Path temporaryDir(Path scratch) throws IOException {
        Files.createDirectories(scratch);
        Path dir = Files.createTempDirectory(scratch, "mount-");
        temporary.add(dir);
        return dir;
    }

    /** Copies {@code source} of an image's root filesystem (links resolved inside it) to {@code into}. */
    static void copyOut(Path root, String source, Path into) throws IOException {
        copyTree(CopySources.ofImage(root).resolve("RUN --mount", List.of(source)).getFirst().host(), into);
    }

    private static void copyTree(Path from, Path into) throws IOException {
        Process cp = new ProcessBuilder("cp", "-a", "--", from.toString(), into.toString())
                .redirectErrorStream(true).start();
        String said = new String(cp.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        try {
            if (cp.waitFor() != 0) {
                throw new IOException("cannot copy " + from + " for a RUN --mount: " + said);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while copying " + from + " for a RUN --mount");
        }
    }

    private static String target(RunMount m, String workdir) {
        String t = m.target().orElseThrow(() -> new BuildException("RUN --mount=type=" + m.type().name().toLowerCase(java.util.Locale.ROOT)
                + " needs a target: where in the container it appears (target=/path)"));
        String dir = workdir.isEmpty() ? "/" : workdir;
        String absolute = t.startsWith("/") ? t : (dir.endsWith("/") ? dir : dir + "/") + t;
        return Path.of(absolute).normalize().toString();
    }

    private static String id(RunMount m, String target) {
        return m.id().filter(i -> !i.isEmpty()).orElse(target);
    }

    private static BuildException unsupported(RunMount m) {
        return new BuildException("RUN --mount=type=ssh is not supported by skiff build yet: it needs the client's ssh "
                + "agent; fetch with a secret (--mount=type=secret) or in the context instead");
    }

    @Override
    public void close() {
        held.forEach(ReentrantLock::unlock);
        held.clear();
        if (mountedSecrets != null) {
            dev.skiff.engine.sys.Mounts.detach(mountedSecrets); // the secrets go with their tmpfs
            mountedSecrets = null;
        }
        for (Path dir : temporary) {
            try {
                ScratchDirs.delete(dir);
            } catch (IOException e) {
                System.getLogger(RunMounts.class.getName()).log(System.Logger.Level.WARNING,
                        "cannot remove " + dir + " after a RUN --mount: " + e.getMessage());
            }
        }
        temporary.clear();
    }
}
