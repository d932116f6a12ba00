package dev.skiff.engine.build;

import dev.skiff.engine.containers.BusyboxImage;
import dev.skiff.engine.containers.Container;
import dev.skiff.engine.containers.ContainerCommitter;
import dev.skiff.engine.containers.ContainerConfig;
import dev.skiff.engine.containers.ContainerEngine;
import dev.skiff.engine.containers.ContainerFiles;
import dev.skiff.engine.containers.HostConfig;
import dev.skiff.engine.containers.LoopbackNetworking;
import dev.skiff.engine.images.Image;
import dev.skiff.engine.images.ImageConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Dockerfiles built for real: RUN in runc containers on overlayfs, COPY into overlays, as root. */
class ImageBuilderTest {
    @TempDir
    Path tmp;

    private Path context;
    private BusyboxImage busybox;
    private ContainerEngine engine;
    private ImageBuilder builder;

    @BeforeEach
    void setUp() throws Exception {
        Path dataRoot = tmp.resolve("data");
        busybox = new BusyboxImage(dataRoot);
        engine = ContainerEngine.open(dataRoot, tmp.resolve("exec"), busybox.images, busybox.snapshots,
                new LoopbackNetworking(), e -> {
                });
        ContainerFiles files = new ContainerFiles(engine);
        ContainerCommitter committer = new ContainerCommitter(engine, files, busybox.content, busybox.images);
        builder = new ImageBuilder(engine, committer, files, busybox.content, busybox.images, new BusyboxImage.References(),
                BuildCache.open(dataRoot), dev.skiff.engine.images.ImageParents.open(dataRoot));
        context = Files.createDirectories(tmp.resolve("context"));
    }

    @AfterEach
    void tearDown() {
        List<Container> left = engine.list();
        for (Container c : left) {
            engine.remove(c.id(), true, true);
        }
        engine.close();
        assertThat(left).as("intermediate containers left behind").isEmpty();
    }

    private void write(String name, String text) throws IOException {
        Path p = context.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    private record Built(Image image, String output) {
    }

    private Built build(BuildRequest request) {
        StringBuilder out = new StringBuilder();
        Image image = builder.build(request, out::append);
        return new Built(image, out.toString());
    }

    private Built build(String... tags) {
        return build(BuildRequest.of(context, List.of(tags)));
    }

    /** A file of an image, read through a created container's overlay. */
    private String read(Image image, String path) throws IOException {
        Container c = engine.create(Optional.empty(), ContainerConfig.of(image.id().toString(), List.of("true")), HostConfig.defaults());
        try {
            return engine.withRootfs(c.id(), (x, root) -> {
                Path p = root.resolve(path.substring(1));
                return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? Files.readString(p) : null;
            });
        } finally {
            engine.remove(c.id(), true, true);
        }
    }

    private Map<String, Object> attributes(Image image, String path) throws IOException {
        Container c = engine.create(Optional.empty(), ContainerConfig.of(image.id().toString(), List.of("true")), HostConfig.defaults());
        try {
            return engine.withRootfs(c.id(), (x, root) -> Files.readAttributes(root.resolve(path.substring(1)),
                    "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS));
        } finally {
            engine.remove(c.id(), true, true);
        }
    }

    private List<String> layerEntries(dev.skiff.engine.images.Layer layer) throws IOException {
        List<String> names = new java.util.ArrayList<>();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
                new java.io.ByteArrayInputStream(busybox.content.read(layer.blob().digest())))) {
            for (var e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                names.add(e.getName());
            }
        }
        return names;
    }

    @Test
    void buildsTheGettingStartedDockerfileLikeTheClassicBuilder() throws Exception {
        write("Dockerfile", """
                FROM skiff-test-busybox
                WORKDIR /app
                COPY . .
                COPY --chown=nobody:staff --chmod=600 secret.txt /etc/
                RUN echo built > /app/built.txt && echo from run && cat /app/index.html
                ENV APP_ENV=production
                EXPOSE 3000
                LABEL org.example.k=v
                CMD ["httpd","-f","-p","3000","-h","/app"]
                """);
        write("index.html", "<h1>hi</h1>\n");
        write("sub/inner.txt", "inner\n");
        write("debug.log", "ignored\n");
        write("secret.txt", "s3cret\n");
        write(".dockerignore", "*.log\n");

        Built b = build("getting-started");
        Image image = b.image();
        assertThat(b.output()).startsWith("Step 1/9 : FROM skiff-test-busybox\n ---> " + busybox.image.shortId() + "\n"
                + "Step 2/9 : WORKDIR /app\n ---> ");
        assertThat(b.output()).contains("Step 5/9 : RUN echo built > /app/built.txt && echo from run && cat /app/index.html\n"
                + " ---> Running in ");
        assertThat(b.output()).contains("\nfrom run\n<h1>hi</h1>\nRemoving intermediate container ");
        assertThat(b.output()).endsWith(" ---> " + image.shortId() + "\nSuccessfully built " + image.shortId()
                + "\nSuccessfully tagged getting-started:latest\n");
        assertThat(b.output()).doesNotContain("Using cache");
        assertThat(image.repoTags()).containsExactly("getting-started:latest");

        ImageConfig.ContainerConfig config = image.config().config();
        assertThat(config.workingDir()).isEqualTo("/app");
        assertThat(config.env()).containsExactly("GREETING=hello",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "APP_ENV=production");
        assertThat(config.exposedPorts()).containsExactly("3000/tcp");
        assertThat(config.labels()).containsEntry("org.example.k", "v");
        assertThat(config.cmd()).containsExactly("httpd", "-f", "-p", "3000", "-h", "/app");

        List<ImageConfig.History> history = image.config().history();
        List<ImageConfig.History> ours = history.subList(history.size() - 8, history.size());
        assertThat(ours).extracting(ImageConfig.History::createdBy).satisfiesExactly(
                s -> assertThat(s).isEqualTo("/bin/sh -c #(nop) WORKDIR /app"),
                s -> assertThat(s).matches("/bin/sh -c #\\(nop\\) COPY dir:[0-9a-f]{64} in \\. "),
                s -> assertThat(s).matches("/bin/sh -c #\\(nop\\) COPY --chown=nobody:stafffile:[0-9a-f]{64} in /etc/ "),
                s -> assertThat(s).isEqualTo("/bin/sh -c echo built > /app/built.txt && echo from run && cat /app/index.html"),
                s -> assertThat(s).isEqualTo("/bin/sh -c #(nop)  ENV APP_ENV=production"),
                s -> assertThat(s).isEqualTo("/bin/sh -c #(nop)  EXPOSE 3000"),
                s -> assertThat(s).isEqualTo("/bin/sh -c #(nop)  LABEL org.example.k=v"),
                s -> assertThat(s).isEqualTo("/bin/sh -c #(nop)  CMD [\"httpd\" \"-f\" \"-p\" \"3000\" \"-h\" \"/app\"]"));
        assertThat(ours).extracting(ImageConfig.History::emptyLayer)
                .containsExactly(false, false, false, false, true, true, true, true);
        assertThat(image.layers()).hasSize(busybox.image.layers().size() + 4);
        assertThat(layerEntries(image.layers().getLast())).as("the RUN's layer, without the runtime's mount points")
                .containsExactlyInAnyOrder("app/", "app/built.txt");

        assertThat(read(image, "/app/index.html")).isEqualTo("<h1>hi</h1>\n");
        assertThat(read(image, "/app/sub/inner.txt")).isEqualTo("inner\n");
        assertThat(read(image, "/app/built.txt")).isEqualTo("built\n");
        assertThat(read(image, "/app/debug.log")).as(".dockerignore'd").isNull();
        assertThat(read(image, "/app/Dockerfile")).isNotNull();
        Map<String, Object> secret = attributes(image, "/etc/secret.txt");
        assertThat(secret.get("uid")).isEqualTo(65534);
        assertThat(secret.get("gid")).isEqualTo(50);
        assertThat((Integer) secret.get("mode") & 07777).isEqualTo(0600);
        assertThat(attributes(image, "/app/index.html").get("uid")).isEqualTo(0);
    }

    @Test
    void anUnchangedRebuildUsesTheCacheAndAChangedFileRerunsFromItsCopy() throws Exception {
        write("Dockerfile", """
                FROM skiff-test-busybox
                ENV A=1
                COPY a.txt /a.txt
                RUN cat /a.txt > /copy.txt
                COPY b.txt /b.txt
                RUN true
                """);
        write("a.txt", "one\n");
        write("b.txt", "bee\n");
        Built first = build("cached");
        ImageConfig.History last = first.image().config().history().getLast();
        assertThat(last.createdBy()).isEqualTo("/bin/sh -c true");
        assertThat(last.emptyLayer()).as("a RUN that changes nothing makes no layer").isTrue();
        assertThat(first.image().layers()).hasSize(busybox.image.layers().size() + 3);

        Built second = build("cached");
        assertThat(second.image().id()).isEqualTo(first.image().id());
        assertThat(second.output().split("Using cache", -1)).hasSize(6); // 5 steps after FROM
        assertThat(second.output()).doesNotContain("Running in");

        write("b.txt", "changed\n");
        Built third = build("cached");
        assertThat(third.image().id()).isNotEqualTo(first.image().id());
        assertThat(third.output().split("Using cache", -1)).hasSize(4); // ENV, COPY a, RUN cat
        assertThat(third.output().split("Running in", -1)).as("only RUN true runs again").hasSize(2);
        assertThat(read(third.image(), "/b.txt")).isEqualTo("changed\n");

        Files.setLastModifiedTime(context.resolve("a.txt"), java.nio.file.attribute.FileTime.fromMillis(0));
        assertThat(build("cached").image().id()).as("a new mtime alone is no change").isEqualTo(third.image().id());

        write("a.txt", "two\n");
        Built fourth = build("cached");
        assertThat(fourth.output().split("Using cache", -1)).hasSize(2); // ENV only
        assertThat(read(fourth.image(), "/copy.txt")).isEqualTo("two\n");

        Built uncached = build(BuildRequest.of(context, List.of()).withNoCache(true));
        assertThat(uncached.output()).doesNotContain("Using cache").contains("Running in");
        assertThat(uncached.image().id()).isNotEqualTo(fourth.image().id());
    }

    @Test
    void aFailingRunStopsTheBuildWithItsOutputAndLeavesNoContainerOrTag() throws Exception {
        write("Dockerfile", "FROM skiff-test-busybox\nRUN echo about to fail && exit 3\nENV NEVER=1\n");
        StringBuilder out = new StringBuilder();
        assertThatThrownBy(() -> builder.build(BuildRequest.of(context, List.of("will-fail")), out::append))
                .isInstanceOfSatisfying(BuildException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("The command '/bin/sh -c echo about to fail && exit 3' returned a non-zero code: 3");
                    assertThat(e.code()).isEqualTo(3);
                });
        assertThat(out.toString()).contains(" ---> Running in ").endsWith("\nabout to fail\n");
        assertThat(busybox.images.list()).noneMatch(i -> i.repoTags().contains("will-fail:latest"));
        // tearDown checks that no container is left
    }

    @Test
    void multiStageCopiesFromAnEarlierStageOntoScratchAndTargetStopsEarly() throws Exception {
        write("Dockerfile", """
                FROM skiff-test-busybox AS builder
                ARG GREETING_FILE=/out/greeting
                RUN mkdir /out && echo "hello $GREETING_FILE" > $GREETING_FILE && ln -s /out/greeting /abs-link
                FROM builder AS unused-by-final
                RUN echo never > /never
                FROM scratch
                COPY --from=builder /out/ /data/
                COPY --from=0 /abs-link /linked
                ENTRYPOINT ["/data/app"]
                """);
        Built b = build("multi");
        assertThat(b.output()).startsWith("Step 1/7 : FROM skiff-test-busybox AS builder\n");
        assertThat(b.output()).contains("Step 4/7 : FROM scratch\n ---> \n").doesNotContain("never");
        Image image = b.image();
        assertThat(image.layers()).hasSize(2);
        assertThat(read(image, "/linked")).as("a link in the source image resolves inside it").isEqualTo("hello /out/greeting\n");
        assertThat(image.config().history()).extracting(ImageConfig.History::createdBy).anySatisfy(h ->
                assertThat(h).matches("/bin/sh -c #\\(nop\\) COPY dir:[0-9a-f]{64} in /data/ "));
        assertThat(image.config().config().entrypoint()).containsExactly("/data/app");
        assertThat(read(image, "/data/greeting")).isEqualTo("hello /out/greeting\n");
        assertThat(image.config().config().env()).as("dockerd's default PATH for a base without one")
                .containsExactly("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

        Built target = build(BuildRequest.of(context, List.of()).withTarget("unused-by-final"));
        assertThat(target.output()).contains("Step 5/5 : RUN echo never > /never").contains(" ---> Using cache");
        assertThat(read(target.image(), "/never")).isEqualTo("never\n");
    }

    @Test
    void runHistoryNamesTheArgValuesItSeesAndUnusedBuildArgsAreReported() throws Exception {
        write("Dockerfile", "FROM skiff-test-busybox\nARG B=def\nARG A\nARG C=argval\nENV C=envwins\nRUN echo \"$A $B $C\" > /seen\n");
        Built b = build(BuildRequest.of(context, List.of()).withBuildArgs(Map.of("A", "2", "Z", "unused", "HTTP_PROXY", "p")));
        assertThat(b.image().config().history().getLast().createdBy()).isEqualTo("|2 A=2 B=def /bin/sh -c echo \"$A $B $C\" > /seen");
        assertThat(read(b.image(), "/seen")).isEqualTo("2 def envwins\n");
        assertThat(b.output()).contains("[Warning] One or more build-args [Z] were not consumed\nSuccessfully built ");
        Built other = build(BuildRequest.of(context, List.of()).withBuildArgs(Map.of("A", "3")));
        assertThat(other.output()).as("another ARG value is another RUN").contains(" ---> Running in ")
                .doesNotContain("[Warning]");
    }

    @Test
    void onbuildTriggersOfTheBaseRunFirstAndAreNotInherited() throws Exception {
        write("Dockerfile", "FROM skiff-test-busybox\nONBUILD COPY trigger.txt /t.txt\nONBUILD RUN cat /t.txt > /ran\n");
        build("with-triggers");
        write("Dockerfile", "FROM with-triggers\nENV AFTER=1\n");
        write("trigger.txt", "triggered\n");
        Built b = build("child");
        assertThat(b.output()).startsWith("Step 1/2 : FROM with-triggers\n# Executing 2 build triggers\n")
                .contains(" ---> Running in ").contains("Step 2/2 : ENV AFTER=1\n");
        assertThat(read(b.image(), "/ran")).isEqualTo("triggered\n");
        assertThat(b.image().config().config().onBuild()).isEmpty();
        assertThat(b.image().config().config().env()).contains("AFTER=1");
    }

    @Test
    void copySemanticsForGlobsDirectoriesAndFileDestinations() throws Exception {
        write("Dockerfile", """
                FROM skiff-test-busybox
                COPY *.txt /texts/
                COPY dir /copied
                COPY one.txt /renamed
                WORKDIR rel
                COPY one.txt .
                ADD archive.tar.gz /unpacked/
                ADD plain.gz /
                ADD one.txt /added.txt
                """);
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
                new java.util.zip.GZIPOutputStream(Files.newOutputStream(context.resolve("archive.tar.gz"))))) {
            byte[] content = "from the archive\n".getBytes(StandardCharsets.UTF_8);
            var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("inside/file.txt");
            e.setSize(content.length);
            e.setMode(0640);
            e.setUserId(1234);
            tar.putArchiveEntry(e);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        try (var gz = new java.util.zip.GZIPOutputStream(Files.newOutputStream(context.resolve("plain.gz")))) {
            gz.write("not a tar\n".getBytes(StandardCharsets.UTF_8));
        }
        write("one.txt", "1\n");
        write("two.txt", "2\n");
        write("dir/nested/deep.txt", "deep\n");
        Files.createSymbolicLink(context.resolve("dir/link"), Path.of("nested/deep.txt"));
        Files.setPosixFilePermissions(context.resolve("two.txt"), PosixFilePermissions.fromString("rwxr-x---"));
        Image image = build("copies").image();
        assertThat(read(image, "/texts/one.txt")).isEqualTo("1\n");
        assertThat(read(image, "/texts/two.txt")).isEqualTo("2\n");
        assertThat((Integer) attributes(image, "/texts/two.txt").get("mode") & 07777).isEqualTo(0750);
        assertThat(read(image, "/copied/nested/deep.txt")).isEqualTo("deep\n");
        assertThat(read(image, "/copied/dir")).isNull();
        assertThat(((Integer) attributes(image, "/copied/link").get("mode") & 0170000)).isEqualTo(0120000);
        assertThat(read(image, "/renamed")).isEqualTo("1\n");
        assertThat(image.config().config().workingDir()).isEqualTo("/rel");
        assertThat(read(image, "/rel/one.txt")).isEqualTo("1\n");
        assertThat(read(image, "/unpacked/inside/file.txt")).isEqualTo("from the archive\n");
        assertThat(attributes(image, "/unpacked/inside/file.txt")).containsEntry("uid", 1234);
        assertThat(attributes(image, "/plain.gz")).containsKey("mode");
        assertThat(read(image, "/archive.tar.gz")).isNull();
        assertThat(read(image, "/added.txt")).isEqualTo("1\n");
    }

    private boolean exists(Image image, String path) throws IOException {
        Container c = engine.create(Optional.empty(), ContainerConfig.of(image.id().toString(), List.of("true")), HostConfig.defaults());
        try {
            return engine.withRootfs(c.id(), (x, root) -> Files.exists(root.resolve(path.substring(1)), LinkOption.NOFOLLOW_LINKS));
        } finally {
            engine.remove(c.id(), true, true);
        }
    }

    @Test
    void runMountsGiveACacheThatOutlivesTheBuildATmpfsAndBindsOfTheContextAndOfAStage() throws Exception {
        write("tool.sh", "echo tool ran\n");
        write("Dockerfile", """
                FROM skiff-test-busybox AS stage
                RUN mkdir /made && echo from-stage > /made/file
                FROM skiff-test-busybox
                RUN --mount=type=cache,target=/var/cache/app,id=app-cache echo run >> /var/cache/app/log && wc -l < /var/cache/app/log > /count
                RUN --mount=type=tmpfs,target=/scratch,size=1m echo t > /scratch/x && grep -q ' /scratch tmpfs ' /proc/mounts && cat /scratch/x > /tmpfs-seen
                RUN --mount=type=bind,source=tool.sh,target=/tool.sh sh /tool.sh > /tool-out && ! touch /tool.sh 2>/dev/null
                RUN --mount=type=bind,from=stage,source=/made,target=/from-stage,rw cat /from-stage/file > /stage-seen && echo x > /from-stage/new
                """);
        Image image = build("mounts").image();
        assertThat(read(image, "/count")).isEqualTo("1\n");
        assertThat(read(image, "/tmpfs-seen")).isEqualTo("t\n");
        assertThat(read(image, "/tool-out")).isEqualTo("tool ran\n");
        assertThat(read(image, "/stage-seen")).isEqualTo("from-stage\n");
        for (String mountPoint : List.of("/var/cache/app", "/var/cache", "/scratch", "/tool.sh", "/from-stage")) {
            assertThat(exists(image, mountPoint)).as("%s: no part of the image, nor the mount point the runtime made", mountPoint).isFalse();
        }
        assertThat(layerEntries(image.layers().get(image.layers().size() - 4))).as("the cache RUN's layer").containsExactly("count");

        write("tool.sh", "echo tool changed\n");
        Built again = build("mounts");
        assertThat(read(again.image(), "/count")).as("a cached step: the cache mount was not used").isEqualTo("1\n");
        assertThat(read(again.image(), "/tool-out")).as("a bound file's content is part of its step's key").isEqualTo("tool changed\n");

        Built fresh = build(BuildRequest.of(context, List.of("mounts")).withNoCache(true));
        assertThat(read(fresh.image(), "/count")).as("the cache mount kept the first build's line").isEqualTo("2\n");

        write("Dockerfile", "FROM skiff-test-busybox\nRUN --mount=type=secret,id=token,required=true cat /run/secrets/token\n");
        assertThatThrownBy(() -> build("secret")).isInstanceOf(BuildException.class)
                .hasMessageContaining("secret token not found: give it to the build with skiff build --secret id=token,src=FILE");
        write("Dockerfile", "FROM skiff-test-busybox\nRUN --mount=type=ssh true\n");
        assertThatThrownBy(() -> build("ssh")).isInstanceOf(BuildException.class)
                .hasMessageContaining("RUN --mount=type=ssh is not supported by skiff build yet");
        write("Dockerfile", "FROM skiff-test-busybox\nRUN --mount=type=bind,source=../outside,target=/o true\n");
        assertThatThrownBy(() -> build("escape")).isInstanceOf(BuildException.class)
                .hasMessageContaining("forbidden path outside the build context: ../outside");
    }

    @Test
    void hereDocumentsRunInTheShellAsScriptsAndBecomeFiles() throws Exception {
        write("Dockerfile", """
                FROM skiff-test-busybox
                ARG WHO=world
                RUN <<EOF
                echo "one $WHO" > /one
                echo two >> /one
                EOF
                RUN cat <<A > /a && cat <<-B > /b
                from a $WHO
                A
                	from b
                	B
                RUN <<EOT
                #!/bin/sh -e
                echo "script in $0" > /script
                EOT
                COPY <<greeting.txt <<'raw.txt' /files/
                hello $WHO
                greeting.txt
                kept $WHO
                raw.txt
                ADD <<EOF /single.txt
                single
                EOF
                """);
        Built b = build("heredocs");
        Image image = b.image();
        assertThat(read(image, "/one")).isEqualTo("one world\ntwo\n");
        assertThat(read(image, "/a")).isEqualTo("from a world\n");
        assertThat(read(image, "/b")).as("<<- strips the tabs").isEqualTo("from b\n");
        assertThat(read(image, "/script")).isEqualTo("script in /dev/pipes/EOT\n");
        assertThat(read(image, "/files/greeting.txt")).as("expanded").isEqualTo("hello world\n");
        assertThat(read(image, "/files/raw.txt")).as("a quoted delimiter: as written").isEqualTo("kept $WHO\n");
        assertThat(read(image, "/single.txt")).isEqualTo("single\n");
        assertThat(attributes(image, "/files/greeting.txt").get("mode")).isEqualTo(0100644);
        assertThat(exists(image, "/dev/pipes")).as("the script's mount point is no part of the image").isFalse();

        Built again = build("heredocs");
        assertThat(again.output()).doesNotContain("Running in");
        assertThat(again.image().id()).isEqualTo(image.id());
        write("Dockerfile", "FROM skiff-test-busybox\nRUN <<EOT\n#!/bin/sh\necho changed > /script\nEOT\n");
        assertThat(read(build("heredocs").image(), "/script")).as("a script's body is part of its step's key").isEqualTo("changed\n");

        // here-documents and context files in one COPY: one layer with all of them, one key over all of them
        write("Dockerfile", "FROM skiff-test-busybox\nCOPY <<note.txt a.txt /dest/\nx\nnote.txt\n");
        write("a.txt", "a\n");
        Built mixed = build("mixed");
        assertThat(read(mixed.image(), "/dest/a.txt")).isEqualTo("a\n");
        assertThat(read(mixed.image(), "/dest/note.txt")).isEqualTo("x\n");
        assertThat(build("mixed").image().id()).as("unchanged: from the cache").isEqualTo(mixed.image().id());
        write("a.txt", "changed\n");
        Built changedFile = build("mixed");
        assertThat(changedFile.image().id()).as("a changed context file misses the cache").isNotEqualTo(mixed.image().id());
        assertThat(read(changedFile.image(), "/dest/a.txt")).isEqualTo("changed\n");
        write("Dockerfile", "FROM skiff-test-busybox\nCOPY <<note.txt a.txt /dest/\ny\nnote.txt\n");
        assertThat(read(build("mixed").image(), "/dest/note.txt")).as("a changed here-document misses the cache").isEqualTo("y\n");

        write("Dockerfile", "FROM skiff-test-busybox\nCOPY <<note.txt a.txt /dest\nx\nnote.txt\n");
        assertThatThrownBy(() -> build("mixed")).isInstanceOf(BuildException.class)
                .hasMessageContaining("When using COPY with more than one source file, the destination must be a directory and end with a /");
    }

    @Test
    void copyExcludeParentsAndAddUnpackFalseDoWhatBuildKitsDo() throws Exception {
        write("app/main.c", "int main;\n");
        write("app/notes.md", "notes\n");
        write("app/lib/util.c", "util\n");
        write("app/lib/readme.md", "lib readme\n");
        write("app/lib/keep.md", "kept\n");
        write("top.md", "top\n");
        write("x/a.txt", "xa\n");
        write("y/z/a.txt", "yza\n");
        Path tarDir = Files.createDirectories(tmp.resolve("tar-src"));
        Files.writeString(tarDir.resolve("inside.txt"), "inside\n");
        org.apache.commons.compress.archivers.tar.TarArchiveOutputStream tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
                Files.newOutputStream(context.resolve("bundle.tar")));
        var entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(tarDir.resolve("inside.txt").toFile(), "inside.txt");
        tar.putArchiveEntry(entry);
        Files.copy(tarDir.resolve("inside.txt"), tar);
        tar.closeArchiveEntry();
        tar.close();
        write("Dockerfile", """
                FROM skiff-test-busybox
                COPY --exclude=*.md --exclude=!keep.md app/ /src/
                COPY --exclude=*.md top.md app/main.c /single/
                COPY --parents x/a.txt y/z/a.txt /p/
                COPY --parents app/lib /q/
                ADD --unpack=false bundle.tar /kept/
                ADD bundle.tar /unpacked/
                COPY --link top.md /linked.md
                """);
        Image image = build("flags").image();
        assertThat(read(image, "/src/main.c")).isEqualTo("int main;\n");
        assertThat(read(image, "/src/lib/util.c")).isEqualTo("util\n");
        assertThat(exists(image, "/src/notes.md")).as("excluded").isFalse();
        assertThat(read(image, "/src/lib/readme.md")).as("*.md is matched relative to the source, as in .dockerignore: lib/readme.md is not *.md").isEqualTo("lib readme\n");
        assertThat(exists(image, "/single/top.md")).as("an excluded file source").isFalse();
        assertThat(read(image, "/single/main.c")).isEqualTo("int main;\n");
        assertThat(read(image, "/p/x/a.txt")).isEqualTo("xa\n");
        assertThat(read(image, "/p/y/z/a.txt")).isEqualTo("yza\n");
        assertThat(read(image, "/q/app/lib/util.c")).isEqualTo("util\n");
        assertThat(exists(image, "/kept/bundle.tar")).as("--unpack=false keeps the tar").isTrue();
        assertThat(exists(image, "/kept/inside.txt")).isFalse();
        assertThat(read(image, "/unpacked/inside.txt")).isEqualTo("inside\n");
        assertThat(read(image, "/linked.md")).isEqualTo("top\n");

        write("Dockerfile", "FROM skiff-test-busybox\nADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 top.md /\n");
        assertThatThrownBy(() -> build("checksum")).isInstanceOf(BuildException.class)
                .hasMessageContaining("ADD --checksum can't be specified for non-HTTP(S) sources");
    }

    @Test
    void addOfAUrlDownloadsChecksChecksumsAndCopiesWithoutUnpacking() throws Exception {
        byte[] hello = "hello from the web\n".getBytes(StandardCharsets.UTF_8);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(hello));
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/files/", ex -> {
            String path = ex.getRequestURI().getPath();
            if (path.equals("/files/hello.txt") || path.equals("/files/get")) {
                ex.getResponseHeaders().add("Last-Modified", "Tue, 15 Nov 1994 08:12:31 GMT");
                if (path.endsWith("/get")) {
                    ex.getResponseHeaders().add("Content-Disposition", "attachment; filename=\"named.txt\"");
                }
                ex.sendResponseHeaders(200, hello.length);
                ex.getResponseBody().write(hello);
            } else {
                ex.sendResponseHeaders(404, -1);
            }
            ex.close();
        });
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/files/";
        try {
            write("Dockerfile", "FROM skiff-test-busybox\nADD " + base + "hello.txt " + base + "get /dl/\n"
                    + "ADD --checksum=sha256:" + sha + " " + base + "hello.txt /checked.txt\n");
            Built b = build("download");
            assertThat(read(b.image(), "/dl/hello.txt")).isEqualTo("hello from the web\n");
            assertThat(read(b.image(), "/dl/named.txt")).as("named by Content-Disposition").isEqualTo("hello from the web\n");
            assertThat(read(b.image(), "/checked.txt")).isEqualTo("hello from the web\n");
            assertThat(attributes(b.image(), "/dl/hello.txt").get("mode")).as("dockerd's 0600").isEqualTo(0100600);
            assertThat(build("download").output()).as("the same bytes again: the cache").contains(" ---> Using cache").doesNotContain("Running in");

            write("Dockerfile", "FROM skiff-test-busybox\nADD --checksum=sha256:" + "0".repeat(64) + " " + base + "hello.txt /x\n");
            assertThatThrownBy(() -> build("bad-sum")).isInstanceOf(BuildException.class)
                    .hasMessageContaining("has digest sha256:" + sha + ", not the sha256:" + "0".repeat(64));
            write("Dockerfile", "FROM skiff-test-busybox\nADD " + base + "missing.txt /x\n");
            assertThatThrownBy(() -> build("missing")).isInstanceOf(BuildException.class)
                    .hasMessageContaining("GET " + base + "missing.txt answered 404");
            write("Dockerfile", "FROM skiff-test-busybox\nADD --checksum=md5:abc " + base + "hello.txt /x\n");
            assertThatThrownBy(() -> build("bad-format")).isInstanceOf(BuildException.class)
                    .hasMessageContaining("invalid checksum digest format: md5:abc");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void independentStagesBuildAtOnceAndPrintInDockerfileOrder() throws Exception {
        // each RUN waits for the other's mark in a cache mount both share: built one after the other, both would time out
        String meet = "--mount=type=cache,id=rendezvous,target=/r,sharing=shared";
        write("Dockerfile", """
                FROM skiff-test-busybox AS left
                RUN %s touch /r/left && i=0; until [ -e /r/right ] || [ $i -ge 200 ]; do i=$((i+1)); sleep 0.1; done; [ -e /r/right ] && echo left met > /met
                FROM skiff-test-busybox AS right
                RUN %s touch /r/right && i=0; until [ -e /r/left ] || [ $i -ge 200 ]; do i=$((i+1)); sleep 0.1; done; [ -e /r/left ] && echo right met > /met
                FROM skiff-test-busybox
                COPY --from=left /met /left
                COPY --from=right /met /right
                """.formatted(meet, meet));
        Built b = build("parallel");
        assertThat(read(b.image(), "/left")).isEqualTo("left met\n");
        assertThat(read(b.image(), "/right")).isEqualTo("right met\n");
        String out = b.output();
        assertThat(out).containsSubsequence("Step 1/7 : FROM skiff-test-busybox AS left\n", "Step 2/7 : RUN ",
                "Removing intermediate container", "Step 3/7 : FROM skiff-test-busybox AS right\n", "Step 4/7 : RUN ",
                "Removing intermediate container", "Step 5/7 : FROM skiff-test-busybox\n", "Step 7/7 : COPY --from=right");

        // a later stage that fails first: the earlier one still finishes and prints first, then the failure
        write("Dockerfile", """
                FROM skiff-test-busybox AS slow
                RUN sleep 1 && echo slow-done
                FROM skiff-test-busybox AS broken
                RUN echo breaking && exit 7
                FROM skiff-test-busybox
                COPY --from=slow /etc/passwd /a
                COPY --from=broken /etc/passwd /b
                """);
        StringBuilder printed = new StringBuilder();
        assertThatThrownBy(() -> builder.build(BuildRequest.of(context, List.of("fails")), printed::append))
                .isInstanceOf(BuildException.class).hasMessageContaining("returned a non-zero code: 7");
        assertThat(printed.toString()).containsSubsequence("slow-done", "Step 4/7 : RUN echo breaking && exit 7", "breaking")
                .doesNotContain("Step 5/7");

        // an earlier stage that fails: a later one still running is stopped, not waited for
        write("Dockerfile", """
                FROM skiff-test-busybox AS broken
                RUN sleep 1 && exit 3
                FROM skiff-test-busybox AS long
                RUN sleep 60 && echo long-done
                FROM skiff-test-busybox
                COPY --from=broken /etc/passwd /a
                COPY --from=long /etc/passwd /b
                """);
        StringBuilder second = new StringBuilder();
        long started = System.nanoTime();
        assertThatThrownBy(() -> builder.build(BuildRequest.of(context, List.of("stopped")), second::append))
                .isInstanceOf(BuildException.class).hasMessageContaining("returned a non-zero code: 3");
        assertThat(second.toString()).doesNotContain("long-done").doesNotContain("Step 3/7");
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).as("the long stage was stopped, not waited for")
                .isLessThan(java.time.Duration.ofSeconds(50));
    }

    @Test
    void secretsReachTheRunAsAFileOrAVariableAndNowhereElse() throws Exception {
        write("Dockerfile", """
                FROM skiff-test-busybox
                RUN --mount=type=secret,id=token cat /run/secrets/token > /seen-file && stat -c %a /run/secrets/token > /seen-mode
                RUN --mount=type=secret,id=token,env=TOKEN,target=/tok echo "$TOKEN" > /seen-env && cat /tok >> /seen-env
                RUN --mount=type=secret,id=absent [ ! -e /run/secrets/absent ] && echo skipped > /absent
                """);
        BuildRequest request = BuildRequest.of(context, List.of("secrets")).withSecrets(Map.of("token", "s3cret".getBytes(StandardCharsets.UTF_8)));
        Image image = build(request).image();
        assertThat(read(image, "/seen-file")).isEqualTo("s3cret");
        assertThat(read(image, "/seen-mode")).isEqualTo("400\n");
        assertThat(read(image, "/seen-env")).isEqualTo("s3cret\ns3cret");
        assertThat(read(image, "/absent")).as("a secret not given, and not required: no mount").isEqualTo("skipped\n");
        for (String mountPoint : List.of("/run/secrets", "/run", "/tok")) {
            assertThat(exists(image, mountPoint)).as(mountPoint).isFalse();
        }
        assertThat(image.config().config().env()).noneMatch(e -> e.contains("s3cret"));
        assertThat(image.config().history()).noneMatch(h -> h.createdBy().contains("s3cret"));

        Built other = build(BuildRequest.of(context, List.of("secrets")).withSecrets(Map.of("token", "changed".getBytes(StandardCharsets.UTF_8))));
        assertThat(other.image().id()).as("a secret's content is no part of a step's key").isEqualTo(image.id());
    }

    @Test
    void sourceDateEpochMakesTheSameImageFromTheSameInputs() throws Exception {
        write("app/main.txt", "main\n");
        write("Dockerfile", """
                FROM skiff-test-busybox
                COPY app/ /srv/app/
                RUN mkdir -p /out && echo built > /out/result && rm /srv/app/main.txt
                LABEL built=yes
                """);
        BuildRequest pinned = BuildRequest.of(context, List.of("repro")).withNoCache(true)
                .withBuildArgs(Map.of("SOURCE_DATE_EPOCH", "1700000000"));
        Built first = build(pinned);
        Thread.sleep(1100); // files made a second later would show in the layers' times, were they not clamped
        Built second = build(pinned);
        assertThat(second.image().id()).as("the same config, history and layers, byte for byte").isEqualTo(first.image().id());
        assertThat(first.output()).doesNotContain("[Warning]");
        assertThat(first.image().config().history().getLast().created()).contains(java.time.Instant.ofEpochSecond(1700000000));

        Built unpinned = build(BuildRequest.of(context, List.of("repro")).withNoCache(true));
        Thread.sleep(1100);
        assertThat(build(BuildRequest.of(context, List.of("repro")).withNoCache(true)).image().id())
                .as("without it the times differ").isNotEqualTo(unpinned.image().id());

        assertThatThrownBy(() -> build(BuildRequest.of(context, List.of("repro")).withBuildArgs(Map.of("SOURCE_DATE_EPOCH", "yesterday"))))
                .isInstanceOf(BuildException.class).hasMessageContaining("invalid SOURCE_DATE_EPOCH yesterday");
    }

    private static void run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + "\n" + out).isZero();
    }

    @Test
    void addOfAGitRepositoryClonesTheRefAndCopiesItsFiles() throws Exception {
        Path repos = Files.createDirectories(tmp.resolve("repos"));
        Path work = Files.createDirectories(tmp.resolve("work"));
        String[] git = {"git", "-c", "user.name=skiff", "-c", "user.email=skiff@localhost", "-c", "init.defaultBranch=main"};
        run(work, concat(git, "init", "-q"));
        Files.writeString(work.resolve("version"), "1\n");
        Files.createDirectories(work.resolve("sub"));
        Files.writeString(work.resolve("sub/inner.txt"), "inner 1\n");
        run(work, concat(git, "add", "."));
        run(work, concat(git, "commit", "-q", "-m", "one"));
        run(work, concat(git, "tag", "v1"));
        Files.writeString(work.resolve("version"), "2\n");
        run(work, concat(git, "commit", "-q", "-am", "two"));
        run(tmp, "git", "clone", "-q", "--bare", work.toString(), repos.resolve("repo.git").toString());
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Process daemon = new ProcessBuilder("git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1",
                "--port=" + port, "--base-path=" + repos, repos.toString()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("git-daemon.log").toFile()).start();
        try {
            java.time.Instant deadline = java.time.Instant.now().plusSeconds(10);
            while (true) {
                try (java.net.Socket probe = new java.net.Socket("127.0.0.1", port)) {
                    break;
                } catch (IOException e) {
                    assertThat(java.time.Instant.now()).as("git daemon listening on " + port).isBefore(deadline);
                    Thread.sleep(100);
                }
            }
            String url = "git://127.0.0.1:" + port + "/repo.git";
            write("Dockerfile", "FROM skiff-test-busybox\nADD " + url + "#v1 /v1/\nADD " + url + "#main:sub /sub/\n"
                    + "ADD --keep-git-dir=true " + url + " /withgit/\n");
            Image image = build("from-git").image();
            assertThat(read(image, "/v1/version")).isEqualTo("1\n");
            assertThat(read(image, "/v1/sub/inner.txt")).isEqualTo("inner 1\n");
            assertThat(exists(image, "/v1/.git")).isFalse();
            assertThat(read(image, "/sub/inner.txt")).as("#ref:subdir").isEqualTo("inner 1\n");
            assertThat(exists(image, "/sub/version")).isFalse();
            assertThat(read(image, "/withgit/version")).as("the default branch").isEqualTo("2\n");
            assertThat(exists(image, "/withgit/.git/HEAD")).isTrue();

            write("Dockerfile", "FROM skiff-test-busybox\nADD " + url + "#no-such-ref /x/\n");
            assertThatThrownBy(() -> build("bad-ref")).isInstanceOf(BuildException.class)
                    .hasMessageContaining("ADD failed: the git checkout of no-such-ref failed: error: pathspec 'no-such-ref' did not match");
        } finally {
            daemon.destroy();
            daemon.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void badInputGetsAClearErrorAndNoContainer() throws Exception {
        Files.writeString(tmp.resolve("outside.txt"), "secret\n");
        Files.createSymbolicLink(context.resolve("escape"), tmp.resolve("outside.txt"));
        write("a.txt", "a\n");
        write("b.txt", "b\n");
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("FROM skiff-test-busybox\nCOPY ../outside.txt /\n", "COPY failed: forbidden path outside the build context: ../outside.txt");
        cases.put("FROM skiff-test-busybox\nCOPY escape /\n", "COPY failed: forbidden path outside the build context: escape is a symbolic link");
        cases.put("FROM skiff-test-busybox\nCOPY missing.txt /\n", "COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist");
        cases.put("FROM skiff-test-busybox\nCOPY a.txt b.txt /dest\n", "When using COPY with more than one source file, the destination must be a directory and end with a /");
        cases.put("FROM skiff-test-busybox\nCOPY --chown=nosuchuser a.txt /\n", "unable to convert uid/gid chown string to host mapping: can't find uid for user nosuchuser");
        cases.put("FROM no-such-image:1\n", "No such image: no-such-image:1");
        cases.put("FROM skiff-test-busybox\nNOPE x\n", "dockerfile parse error line 2: unknown instruction: NOPE");
        cases.put("FROM skiff-test-busybox\nEXPOSE 99999\n", "invalid containerPort: 99999");
        for (var c : cases.entrySet()) {
            write("Dockerfile", c.getKey());
            assertThatThrownBy(() -> build("bad")).as(c.getKey()).isInstanceOf(BuildException.class).hasMessageContaining(c.getValue());
        }
        assertThatThrownBy(() -> build(BuildRequest.of(context, List.of()).withDockerfile("nope/Dockerfile")))
                .hasMessageStartingWith("Cannot locate specified Dockerfile: nope/Dockerfile");
        assertThat(busybox.images.list()).noneMatch(i -> i.repoTags().contains("bad:latest"));
    }
}
