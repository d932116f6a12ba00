package dev.skiff.it.daemon;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code DOCKER_BUILDKIT=0 docker build} (the classic builder's {@code POST /build}) against a real skiff daemon. */
class BuildTest {
    @TempDir
    Path tmp;

    private CommandResult docker(Path socket, Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of(RequiredTool.DOCKER.command(), "-H", "unix://" + socket));
        command.addAll(List.of(args));
        return ExternalCommand.of(command).env("DOCKER_CONFIG", tmp.resolve("docker-config").toString())
                .env("DOCKER_BUILDKIT", "0").directory(dir).timeout(Duration.ofSeconds(120)).run();
    }

    private Path busyboxTar() throws Exception {
        Path bin = tmp.resolve("rootfs/bin");
        Files.createDirectories(bin);
        Files.copy(RequiredTool.BUSYBOX.path(), bin.resolve("busybox"));
        for (String applet : List.of("sh", "cat", "echo", "ls")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        Path tar = tmp.resolve("rootfs.tar");
        ExternalCommand.of("tar", "-C", tmp.resolve("rootfs").toString(), "-cf", tar.toString(), ".").run().assertSuccess();
        return tar;
    }

    @Test
    void dockerBuildsTheGettingStartedAppWithTheClassicBuilderAndCachesIt() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path tar = busyboxTar();
        Path app = Files.createDirectories(tmp.resolve("app"));
        Files.writeString(app.resolve("Dockerfile"), """
                FROM busybox:local
                WORKDIR /app
                COPY . .
                RUN echo built > /app/built.txt
                ENV APP_ENV=production
                EXPOSE 3000
                CMD ["httpd","-f","-p","3000","-h","/app"]
                """);
        Files.writeString(app.resolve("index.html"), "<h1>getting started</h1>\n");
        Files.writeString(app.resolve("debug.log"), "not sent\n");
        Files.writeString(app.resolve(".dockerignore"), "*.log\n");
        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            docker(socket, tmp, "import", tar.toString(), "busybox:local").assertSuccess();

            CommandResult built = docker(socket, app, "build", "-t", "getting-started", ".").assertSuccess();
            String out = built.stdout();
            assertThat(out).contains("Step 1/7 : FROM busybox:local\n ---> ")
                    .contains("Step 2/7 : WORKDIR /app\n")
                    .containsPattern("Step 4/7 : RUN echo built > /app/built.txt\n ---> Running in ([0-9a-f]{12})\n"
                            + "Removing intermediate container \\1\n ---> [0-9a-f]{12}\n")
                    .containsPattern("Step 7/7 : CMD \\[\"httpd\",\"-f\",\"-p\",\"3000\",\"-h\",\"/app\"\\]\n ---> [0-9a-f]{12}\n"
                            + "Successfully built ([0-9a-f]{12})\nSuccessfully tagged getting-started:latest\n")
                    .doesNotContain("Using cache");
            String id = docker(socket, tmp, "image", "inspect", "-f", "{{.Id}}", "getting-started").assertSuccess().stdout().strip();
            assertThat(out).contains("Successfully built " + id.substring(7, 19));

            assertThat(docker(socket, tmp, "image", "inspect", "-f",
                    "{{json .Config.Cmd}} {{.Config.WorkingDir}} {{json .Config.ExposedPorts}} {{json .Config.Env}}",
                    "getting-started").assertSuccess().stdout().strip())
                    .isEqualTo("[\"httpd\",\"-f\",\"-p\",\"3000\",\"-h\",\"/app\"] /app {\"3000/tcp\":{}} [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"APP_ENV=production\"]");
            assertThat(docker(socket, tmp, "history", "--no-trunc", "--format", "{{.CreatedBy}}", "getting-started")
                    .assertSuccess().stdout()).contains("/bin/sh -c #(nop)  ENV APP_ENV=production")
                    .contains("/bin/sh -c #(nop) WORKDIR /app").containsPattern("/bin/sh -c #\\(nop\\) COPY dir:[0-9a-f]{64} in \\.");
            assertThat(docker(socket, tmp, "run", "--rm", "getting-started", "cat", "/app/built.txt", "/app/index.html")
                    .assertSuccess().stdout()).isEqualTo("built\n<h1>getting started</h1>\n");
            CommandResult ignored = docker(socket, tmp, "run", "--rm", "getting-started", "ls", "/app");
            assertThat(ignored.assertSuccess().stdout()).doesNotContain("debug.log").contains("index.html");

            CommandResult again = docker(socket, app, "build", "-t", "getting-started", ".").assertSuccess();
            assertThat(again.stdout().split(" ---> Using cache\n", -1)).hasSize(7);
            assertThat(again.stdout()).contains("Successfully built " + id.substring(7, 19)).doesNotContain("Running in");

            assertThat(docker(socket, tmp, "images", "--format", "{{.Repository}}").assertSuccess().stdout().lines().toList())
                    .as("intermediate images show only with -a").containsExactlyInAnyOrder("getting-started", "busybox");
            assertThat(docker(socket, tmp, "images", "-a", "-q").assertSuccess().stdout().lines().count()).isEqualTo(7); // busybox and six steps
            docker(socket, tmp, "image", "prune", "-f").assertSuccess();
            assertThat(docker(socket, tmp, "images", "-a", "-q").assertSuccess().stdout().lines().count())
                    .as("prune leaves intermediate images that have a child").isEqualTo(7);
            String parent = docker(socket, tmp, "image", "inspect", "-f", "{{.Parent}}", "getting-started").assertSuccess().stdout().strip();
            assertThat(parent).matches("sha256:[0-9a-f]{64}");
            assertThat(docker(socket, tmp, "image", "inspect", "-f", "{{json .Config.ExposedPorts}}", parent).assertSuccess().stdout().strip())
                    .isEqualTo("{\"3000/tcp\":{}}");

            Files.writeString(app.resolve("index.html"), "<h1>changed</h1>\n");
            CommandResult changed = docker(socket, app, "build", "-q", "-t", "getting-started", ".").assertSuccess();
            String newId = changed.stdout().strip();
            assertThat(newId).matches("sha256:[0-9a-f]{64}").isNotEqualTo(id);
            assertThat(docker(socket, tmp, "run", "--rm", "getting-started", "cat", "/app/index.html").assertSuccess().stdout())
                    .isEqualTo("<h1>changed</h1>\n");
            assertThat(docker(socket, tmp, "ps", "-aq").assertSuccess().stdout()).isBlank();

            // rmi takes the build's untagged intermediate images along, up to the one the first build shares
            String removed = docker(socket, tmp, "rmi", "getting-started").assertSuccess().stdout();
            assertThat(removed).startsWith("Untagged: getting-started:latest\nDeleted: " + newId + "\n");
            // five images (CMD, EXPOSE, ENV, RUN, COPY) and the two layers only they held (RUN, COPY)
            assertThat(removed.lines().filter(l -> l.startsWith("Deleted: ")).count()).isEqualTo(7);
            assertThat(docker(socket, tmp, "images", "-a", "-q").assertSuccess().stdout().lines().count()).isEqualTo(7);
        }
    }

    @Test
    void aFailingRunOrABadDockerfileFailsTheBuildLikeDockerdAndLeavesNothing() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path tar = busyboxTar();
        Path app = Files.createDirectories(tmp.resolve("app"));
        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            docker(socket, tmp, "import", tar.toString(), "busybox:local").assertSuccess();

            Files.writeString(app.resolve("Dockerfile"), "FROM busybox:local\nRUN echo about to fail && exit 3\n");
            CommandResult failed = docker(socket, app, "build", "-t", "will-fail", ".");
            assertThat(failed.exitCode()).as(failed.output()).isEqualTo(3);
            assertThat(failed.stdout()).contains("Step 2/2 : RUN echo about to fail && exit 3\n ---> Running in ")
                    .endsWith("about to fail\n");
            assertThat(failed.stderr()).contains("The command '/bin/sh -c echo about to fail && exit 3' returned a non-zero code: 3");
            assertThat(docker(socket, tmp, "ps", "-aq").assertSuccess().stdout()).isBlank();
            assertThat(docker(socket, tmp, "images", "--format", "{{.Repository}}").assertSuccess().stdout()).doesNotContain("will-fail");

            // a Dockerfile outside the context: the docker CLI adds it to the tar under a random name
            Path outside = tmp.resolve("outside.Dockerfile");
            Files.writeString(outside, "FROM busybox:local\nCOPY hello.txt /\n");
            Files.writeString(app.resolve("hello.txt"), "hello from the context\n");
            docker(socket, app, "build", "-f", outside.toString(), "-t", "outside", ".").assertSuccess();
            assertThat(docker(socket, tmp, "run", "--rm", "outside", "cat", "/hello.txt").assertSuccess().stdout())
                    .isEqualTo("hello from the context\n");

            // without DOCKER_BUILDKIT=0 too: the daemon's ping says Builder-Version 1, the classic builder
            CommandResult fromStdin = ExternalCommand.of(RequiredTool.DOCKER.command(), "-H", "unix://" + socket, "build", "-t", "stdin", "-")
                    .env("DOCKER_CONFIG", tmp.resolve("docker-config").toString()).withoutEnvPrefix("DOCKER_BUILDKIT")
                    .stdin("FROM busybox:local\nCMD [\"echo\", \"from stdin\"]\n").timeout(Duration.ofSeconds(120)).run().assertSuccess();
            assertThat(fromStdin.stdout()).contains("Successfully tagged stdin:latest");
            assertThat(docker(socket, tmp, "run", "--rm", "stdin").assertSuccess().stdout()).isEqualTo("from stdin\n");

            Files.writeString(app.resolve("Dockerfile"), "FROM busybox:local\nNOPE x\n");
            CommandResult bad = docker(socket, app, "build", ".");
            assertThat(bad.exitCode()).isNotZero();
            assertThat(bad.stderr()).contains("unknown instruction: NOPE").doesNotContain("Exception");

            // an image that is not here is pulled, as dockerd's builder does: from a registry where nothing listens
            // (on loopback: a test never reaches out), the build stops with that and leaves nothing
            Files.writeString(app.resolve("Dockerfile"), "FROM 127.0.0.1:9/not-here:1\n");
            CommandResult missing = docker(socket, app, "build", ".");
            assertThat(missing.exitCode()).isNotZero();
            assertThat(missing.stdout()).contains("Step 1/1 : FROM 127.0.0.1:9/not-here:1");
            assertThat(missing.stderr()).contains("cannot reach the registry at http://127.0.0.1:9").doesNotContain("Exception:");
            assertThat(docker(socket, app, "ps", "-aq").assertSuccess().stdout()).isBlank();
        }
    }

    /**
     * The context is unpacked into a tmpfs of its own for the build's length, where hundreds of small
     * files cost nothing to create; one larger than the memory a build may take goes to disk as it
     * arrives, whole; and either way nothing is left mounted or on disk after.
     */
    @Test
    void theContextIsUnpackedInMemoryOrOnDiskWhenLargerAndLeavesNothing() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path tar = busyboxTar();
        Path contexts = tmp.resolve("data/builder/contexts");
        Path app = Files.createDirectories(tmp.resolve("app"));
        StringBuilder big = new StringBuilder();
        for (int i = 0; big.length() < 300_000; i++) {
            big.append("line ").append(i).append(" of a context larger than the 64 KiB a build may hold in memory\n");
        }
        Files.writeString(app.resolve("big.txt"), big);
        Files.writeString(app.resolve("Dockerfile"), "FROM busybox:local\nCOPY . /ctx/\nRUN sleep 2\n");
        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            docker(socket, tmp, "import", tar.toString(), "busybox:local").assertSuccess();
            assertThat(whereTheContextLay(contexts, big.length(), () -> docker(socket, app, "build", "-t", "in-memory", "."))).isEqualTo("tmpfs");
            assertThat(docker(socket, tmp, "run", "--rm", "in-memory", "cat", "/ctx/big.txt").assertSuccess().stdout()).isEqualTo(big.toString());
            assertNothingLeftIn(contexts);
        }
        try (ServerProcess daemon = DaemonHarness.start(tmp, socket, java.util.Map.of("SKIFF_BUILD_CONTEXT_MEMORY", "65536"))) {
            assertThat(whereTheContextLay(contexts, big.length(), () -> docker(socket, app, "build", "--no-cache", "-t", "on-disk", "."))).isEqualTo("disk");
            assertThat(docker(socket, tmp, "run", "--rm", "on-disk", "cat", "/ctx/big.txt").assertSuccess().stdout()).isEqualTo(big.toString());
            assertNothingLeftIn(contexts);

            // a body that is no tar is refused the same way whichever way it went
            Files.writeString(app.resolve("Dockerfile"), "FROM busybox:local\nCOPY missing.txt /\n");
            CommandResult bad = docker(socket, app, "build", ".");
            assertThat(bad.exitCode()).isNotZero();
            assertThat(bad.stderr()).doesNotContain("Exception");
            assertNothingLeftIn(contexts);
        }
    }

    /**
     * Runs a build whose last step sleeps, and says where its context lay, whole (its big.txt of
     * {@code size} bytes), meanwhile: "tmpfs" or "disk".
     */
    private static String whereTheContextLay(Path contexts, long size, java.util.function.Supplier<CommandResult> build) throws Exception {
        java.util.concurrent.CompletableFuture<CommandResult> running = java.util.concurrent.CompletableFuture.supplyAsync(build);
        String seen = "nowhere";
        while (!running.isDone() && seen.equals("nowhere")) {
            List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo"));
            try (var dirs = Files.list(contexts)) {
                for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith("ctx-")).toList()) {
                    boolean mounted = mounts.stream().anyMatch(l -> l.split(" ")[4].equals(dir.toString()) && l.contains(" - tmpfs "));
                    Path file = dir.resolve("big.txt");
                    if (Files.exists(file) && Files.size(file) == size) {
                        seen = mounted ? "tmpfs" : "disk";
                    }
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // before the first build made the directory, or a context went as it was looked at
            }
            Thread.sleep(20);
        }
        assertThat(running.get().assertSuccess().stdout()).contains("Successfully tagged ");
        return seen;
    }

    private static void assertNothingLeftIn(Path contexts) throws java.io.IOException {
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo"))).noneMatch(l -> l.split(" ")[4].startsWith(contexts.toString()));
        try (var left = Files.list(contexts)) {
            assertThat(left.toList()).isEmpty();
        }
    }

    @Test
    void skiffBuildSendsTheContextAndPrintsTheBuildersOutput() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path tar = busyboxTar();
        Path app = Files.createDirectories(tmp.resolve("app"));
        Files.writeString(app.resolve("build.Dockerfile"), """
                FROM busybox:local AS base
                ARG WHO=nobody
                RUN echo "hello $WHO" > /greeting
                FROM base AS final
                COPY --from=base /greeting /copied
                COPY data/ /data/
                """);
        Files.createDirectories(app.resolve("data/skip"));
        Files.writeString(app.resolve("data/keep.txt"), "kept\n");
        Files.writeString(app.resolve("data/skip/secret.txt"), "never sent\n");
        Files.writeString(app.resolve(".dockerignore"), "data/skip\n");
        Path iid = tmp.resolve("iid");
        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            docker(socket, tmp, "import", tar.toString(), "busybox:local").assertSuccess();
            CommandResult built = DaemonHarness.skiff(socket, "build", "-t", "greeter", "-t", "greeter:2", "-f",
                    app.resolve("build.Dockerfile").toString(), "--build-arg", "WHO=skiff", "--target", "final",
                    "--iidfile", iid.toString(), app.toString()).assertSuccess();
            assertThat(built.stdout()).startsWith("Sending build context to Docker daemon  ")
                    .contains("Step 1/6 : FROM busybox:local AS base\n ---> ")
                    .containsPattern("Step 3/6 : RUN echo \"hello \\$WHO\" > /greeting\n ---> Running in [0-9a-f]{12}\n")
                    .contains("Successfully tagged greeter:latest\nSuccessfully tagged greeter:2\n");
            String id = Files.readString(iid);
            assertThat(id).matches("sha256:[0-9a-f]{64}");
            assertThat(docker(socket, tmp, "run", "--rm", "greeter:2", "cat", "/copied", "/data/keep.txt").assertSuccess().stdout())
                    .isEqualTo("hello skiff\nkept\n");
            assertThat(docker(socket, tmp, "run", "--rm", "greeter", "ls", "/data").assertSuccess().stdout().strip()).isEqualTo("keep.txt");

            CommandResult quiet = DaemonHarness.skiff(socket, "build", "-q", "-f", app.resolve("build.Dockerfile").toString(),
                    "--build-arg", "WHO=skiff", "--target", "final", app.toString()).assertSuccess();
            assertThat(quiet.stdout().strip()).isEqualTo(id);

            CommandResult fromStdin = dev.skiff.it.support.SkiffCli.runWithStdin("FROM busybox:local\nRUN exit 7\n",
                    "-H", "unix://" + socket, "build", "-");
            assertThat(fromStdin.exitCode()).as(fromStdin.output()).isEqualTo(7);
            assertThat(fromStdin.stderr().strip()).isEqualTo("The command '/bin/sh -c exit 7' returned a non-zero code: 7");

            CommandResult noDir = DaemonHarness.skiff(socket, "build", tmp.resolve("nowhere").toString());
            assertThat(noDir.exitCode()).isEqualTo(1);
            assertThat(noDir.stderr()).contains("unable to prepare context").doesNotContain("Exception");
            CommandResult badTag = DaemonHarness.skiff(socket, "build", "-t", "Bad:Tag", app.toString(), "-f",
                    app.resolve("build.Dockerfile").toString());
            assertThat(badTag.exitCode()).isEqualTo(1);
            assertThat(badTag.stderr()).contains("Error response from daemon: invalid tag Bad:Tag").doesNotContain("Exception");

            // --secret: a file's or a variable's value reaches the RUN that mounts it, and is nowhere in the image
            Path secrets = Files.createDirectories(tmp.resolve("secrets"));
            Files.writeString(secrets.resolve("token"), "file-secret");
            Files.writeString(app.resolve("secret.Dockerfile"), """
                    FROM busybox:local
                    RUN --mount=type=secret,id=token,required=true --mount=type=secret,id=api,env=API_KEY \
                        cat /run/secrets/token > /seen && echo " $API_KEY" >> /seen
                    """);
            CommandResult withSecrets = dev.skiff.it.support.ExternalCommand.of(dev.skiff.it.support.SkiffCli.command(
                            "-H", "unix://" + socket, "build", "-t", "secretive", "-f", app.resolve("secret.Dockerfile").toString(),
                            "--secret", "id=token,src=" + secrets.resolve("token"), "--secret", "id=api,env=SKIFF_IT_API_KEY",
                            app.toString())).env("SKIFF_IT_API_KEY", "env-secret").timeout(java.time.Duration.ofSeconds(120)).run();
            assertThat(withSecrets.exitCode()).as(withSecrets.output()).isZero();
            assertThat(docker(socket, tmp, "run", "--rm", "secretive", "cat", "/seen").assertSuccess().stdout()).isEqualTo("file-secret env-secret\n");
            assertThat(docker(socket, tmp, "image", "inspect", "secretive").assertSuccess().stdout())
                    .doesNotContain("file-secret").doesNotContain("env-secret");
            assertThat(docker(socket, tmp, "run", "--rm", "secretive", "ls", "/run/secrets").exitCode()).as("no trace of the mount").isNotZero();
            CommandResult missingSecret = DaemonHarness.skiff(socket, "build", "-f", app.resolve("secret.Dockerfile").toString(), app.toString());
            assertThat(missingSecret.exitCode()).isNotZero();
            assertThat(missingSecret.stderr()).contains("secret token not found").doesNotContain("Exception");
            CommandResult badSpec = DaemonHarness.skiff(socket, "build", "--secret", "src=/nope", app.toString());
            assertThat(badSpec.exitCode()).isNotZero();
            assertThat(badSpec.stderr()).contains("invalid --secret src=/nope: it needs an id").doesNotContain("Exception");
            assertThat(docker(socket, tmp, "ps", "-aq").assertSuccess().stdout()).isBlank();
        }
    }
}
