package dev.skiff.engine.build;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code ADD <git url>[#<ref>[:<subdir>]] <dest>}, as BuildKit reads it: the repository is cloned by
 * the daemon with the machine's {@code git}, the ref (a branch, tag or commit; the default branch when
 * none) checked out, and its files (those of {@code subdir} when given) copied like a context
 * directory; the {@code .git} directory goes along only with {@code --keep-git-dir=true}. git never
 * asks for a password here: a repository that needs one fails with git's own words.
 */
final class GitSources {
    private static final long TIMEOUT_MINUTES = 10;

    /** A git source: where, which ref, which subdirectory. */
    record Ref(String url, Optional<String> ref, Optional<String> subdir) {
        static Ref parse(String source) {
            int hash = source.indexOf('#');
            String url = hash < 0 ? source : source.substring(0, hash);
            String fragment = hash < 0 ? "" : source.substring(hash + 1);
            String ref = fragment;
            String subdir = "";
            int colon = fragment.indexOf(':');
            if (colon >= 0) {
                ref = fragment.substring(0, colon);
                subdir = fragment.substring(colon + 1);
            }
            if (subdir.contains("..")) {
                throw new BuildException("ADD " + source + ": the subdirectory " + subdir + " must stay inside the repository");
            }
            return new Ref(url, ref.isEmpty() ? Optional.empty() : Optional.of(ref),
                    subdir.isEmpty() ? Optional.empty() : Optional.of(subdir.replaceAll("^/+|/+$", "")));
        }
    }

    private GitSources() {
    }

    /** Clones {@code source} into {@code dir/repo}; returns the directory whose contents are the source. */
    static Path fetch(String source, boolean keepGitDir, Path dir) throws IOException {
        Ref ref = Ref.parse(source);
        Path repo = dir.resolve("repo");
        git(dir, "clone of " + ref.url(), "clone", "--quiet", "--no-checkout", "--", ref.url(), repo.toString());
        git(repo, "checkout of " + ref.ref().orElse("HEAD"), "-c", "advice.detachedHead=false", "checkout", "--quiet",
                ref.ref().orElse("HEAD"));
        if (!keepGitDir) {
            ScratchDirs.delete(repo.resolve(".git"));
        }
        Path from = ref.subdir().map(repo::resolve).orElse(repo).normalize();
        if (!from.startsWith(repo) || !Files.isDirectory(from)) {
            throw new BuildException("ADD " + source + ": the repository has no directory " + ref.subdir().orElse(""));
        }
        return from;
    }

    private static void git(Path workdir, String what, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workdir.toFile()).redirectErrorStream(true);
        pb.environment().put("GIT_TERMINAL_PROMPT", "0");
        pb.environment().put("GIT_ASKPASS", "/bin/false");
        pb.environment().put("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
        Process p;
        try {
            p = pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new BuildException("ADD of a git repository needs git on the daemon's host: " + e.getMessage()
                    + " (Debian: apt-get install git)");
        }
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new BuildException("ADD: the git " + what + " took more than " + TIMEOUT_MINUTES + " minutes; gave up");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BuildException("ADD: interrupted during the git " + what);
        }
        if (p.exitValue() != 0) {
            throw new BuildException("ADD failed: the git " + what + " failed: " + said);
        }
    }
}
