package dev.skiff.it.daemon;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.PrivateDockerd;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.ServerProcess;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same Dockerfiles built by Docker's own classic builder (a private dockerd of Debian's docker.io)
 * and by skiff's, each through the real docker CLI ({@code DOCKER_BUILDKIT=0}), from the same base
 * image and context: the images' config fields, history and root filesystems (paths, types, modes,
 * owners, link targets, contents; not times) must be the same.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BuilderDifferentialTest {
    /** Left out of the comparison: what each runtime puts into every container, not what the build made. */
    private static final Set<String> RUNTIME_FILES = Set.of(".dockerenv", "etc/hosts", "etc/hostname", "etc/resolv.conf",
            "etc/mtab", "dev/", "proc/", "sys/", "dev/console", "dev/pts/", "dev/shm/");

    @TempDir
    static Path tmp;

    private PrivateDockerd dockerd;
    private ServerProcess skiffd;
    private Path dockerSocket;
    private Path skiffSocket;

    record Case(String name, String dockerfile, Map<String, String> files) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("multi-stage, ARG and ENV expansion, WORKDIR and USER", """
                        ARG BASE=box:1
                        FROM $BASE AS build
                        ARG VERSION=1.2
                        ENV APP=demo
                        ENV DIR=/opt/$APP
                        WORKDIR $DIR/src
                        RUN echo "$APP $VERSION" > version.txt && mkdir -p out && cp version.txt out/
                        USER 1000:1000
                        RUN id -u > /tmp/uid
                        FROM box:1
                        ENV GREETING="hello world" EMPTY=
                        COPY --from=build /opt/demo/src/out/ /app/
                        COPY --from=build /tmp/uid /app/uid
                        WORKDIR /app
                        USER nobody
                        LABEL version="1.0" description="a test image"
                        EXPOSE 8080 9090/udp
                        VOLUME /data
                        STOPSIGNAL SIGINT
                        HEALTHCHECK --interval=30s --timeout=3s CMD cat /app/version.txt
                        ONBUILD RUN echo triggered
                        ENTRYPOINT ["/bin/sh", "-c"]
                        CMD ["cat /app/version.txt"]
                        """, Map.of()),
                new Case("COPY edge cases: contents of directories, globs, a file into a directory, --chown", """
                        FROM box:1
                        COPY dir/ /dst/
                        COPY dir /dst2
                        COPY *.txt /texts/
                        COPY a.txt /renamed.txt
                        COPY --chown=1234:5678 dir/sub /owned/
                        COPY run.sh /usr/local/bin/
                        COPY link.txt /links/
                        WORKDIR /relative
                        COPY a.txt here/
                        """, Map.of("a.txt", "a\n", "b.txt", "b\n", "dir/x.txt", "x\n", "dir/sub/y.txt", "y\n",
                        "dir/sub/deeper/z.txt", "z\n", "run.sh", "#!/bin/sh\necho run\n", "link.txt", "->a.txt")),
                new Case("files deleted from a lower layer, a directory replaced, links", """
                        FROM box:1
                        RUN mkdir -p /work/keep /work/drop /work/swap && echo 1 > /work/keep/f && echo 2 > /work/drop/f \\
                         && echo 3 > /work/swap/f && ln -s /work/keep/f /work/abs && ln -s keep/f /work/rel && ln /work/keep/f /work/hard
                        RUN rm -rf /work/drop /work/hard && rm -rf /work/swap && echo now-a-file > /work/swap && rm /bin/true
                        RUN chmod 0700 /work/keep && chown 7:8 /work/keep/f
                        """, Map.of()),
                new Case(".dockerignore with exceptions and **, ADD of a local tar, SHELL, variable forms, relative WORKDIRs", """
                        FROM box:1
                        ARG FLAVOR
                        ARG PORT=80
                        ENV BASE=/srv PATH=$PATH:/srv/bin
                        ENV WHERE=${BASE}/app NOTSET=${UNSET:-fallback} SET=${BASE:+yes} QUOTED="a \\"b\\" c" ESC=\\$BASE
                        LABEL multi.line="first \\
                         second" flavor=${FLAVOR:-plain}
                        EXPOSE ${PORT} ${PORT}/udp
                        WORKDIR a
                        WORKDIR b/../c
                        WORKDIR $WHERE
                        COPY . ctx/
                        ADD bundle.tar /unpacked/
                        SHELL ["/bin/sh", "-ec"]
                        RUN echo "$WHERE $NOTSET $SET $QUOTED $ESC" > /vars && pwd >> /vars
                        VOLUME ["/v1", "$BASE/v2"]
                        USER 1000
                        """, Map.of(".dockerignore", "**/*.log\n!keep.log\nsecret/\n", "keep.log", "kept\n",
                        "drop.log", "dropped\n", "deep/er/x.log", "dropped\n", "deep/er/x.txt", "x\n",
                        "secret/key", "k\n", "Dockerfile.extra", "not the Dockerfile\n")));
    }

    @BeforeAll
    void startBothEngines() throws Exception {
        dockerd = PrivateDockerd.start(tmp.resolve("dockerd"), "skiff-it-diff");
        dockerSocket = dockerd.socket();
        skiffSocket = tmp.resolve("skiff.sock");
        skiffd = DaemonHarness.start(Files.createDirectories(tmp.resolve("skiff")), skiffSocket);

        Path bin = Files.createDirectories(tmp.resolve("rootfs/bin"));
        Files.copy(RequiredTool.BUSYBOX.path(), bin.resolve("busybox"));
        String applets = ExternalCommand.of(RequiredTool.BUSYBOX.command(), "--list").run().assertSuccess().stdout();
        for (String applet : applets.lines().filter(a -> !a.equals("busybox")).toList()) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        Path scratch = Files.createDirectories(tmp.resolve("rootfs/tmp"));
        Files.setAttribute(scratch, "unix:mode", 01777);
        Path etc = Files.createDirectories(tmp.resolve("rootfs/etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nnogroup:x:65534:\n");
        Path tar = tmp.resolve("rootfs.tar");
        ExternalCommand.of("tar", "-C", tmp.resolve("rootfs").toString(), "--owner=0", "--group=0", "--numeric-owner",
                "-cf", tar.toString(), ".").run().assertSuccess();
        for (Path socket : List.of(dockerSocket, skiffSocket)) {
            docker(socket, tmp, "import", "-c", "ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin", tar.toString(), "box:1").assertSuccess();
        }
    }

    @AfterAll
    void stopBothEngines() {
        if (skiffd != null) {
            skiffd.close();
        }
        if (dockerd != null) {
            dockerd.close();
        }
    }

    private static CommandResult docker(Path socket, Path dir, String... args) {
        List<String> command = new ArrayList<>(List.of(RequiredTool.DOCKER.command(), "-H", "unix://" + socket));
        command.addAll(List.of(args));
        return ExternalCommand.of(command).env("DOCKER_CONFIG", dir.resolve("docker-config").toString())
                .env("DOCKER_BUILDKIT", "0").directory(dir).timeout(Duration.ofSeconds(180)).run();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void skiffBuildsWhatDockersClassicBuilderBuilds(Case c) throws Exception {
        Path context = Files.createDirectories(tmp.resolve("ctx-" + Integer.toHexString(c.name().hashCode())));
        Files.writeString(context.resolve("Dockerfile"), c.dockerfile());
        if (c.dockerfile().contains("bundle.tar")) {
            Path src = Files.createDirectories(tmp.resolve("bundle-src/inner"));
            Files.writeString(src.resolve("in-tar.txt"), "from the tar\n");
            ExternalCommand.of("tar", "-C", tmp.resolve("bundle-src").toString(), "--owner=0", "--group=0", "--numeric-owner",
                    "-cf", context.resolve("bundle.tar").toString(), ".").run().assertSuccess();
        }
        for (var f : c.files().entrySet()) {
            Path p = context.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            if (f.getValue().startsWith("->")) {
                Files.createSymbolicLink(p, Path.of(f.getValue().substring(2)));
            } else {
                Files.writeString(p, f.getValue());
            }
        }
        String tag = "diff-" + Integer.toHexString(c.name().hashCode());
        Map<String, List<String>> seen = new TreeMap<>();
        for (Path socket : List.of(dockerSocket, skiffSocket)) {
            String engine = socket.equals(dockerSocket) ? "docker" : "skiff";
            CommandResult built = docker(socket, context, "build", "--network", "none", "-t", tag, ".");
            assertThat(built.exitCode()).as(engine + " build\n" + built.describe()).isZero();
            String config = docker(socket, tmp, "image", "inspect", "-f", String.join("\n",
                    "Env {{json .Config.Env}}", "Cmd {{json .Config.Cmd}}", "Entrypoint {{json .Config.Entrypoint}}",
                    "WorkingDir {{json .Config.WorkingDir}}", "User {{json .Config.User}}",
                    "ExposedPorts {{json .Config.ExposedPorts}}", "Volumes {{json .Config.Volumes}}",
                    "Labels {{json .Config.Labels}}", "StopSignal {{json .Config.StopSignal}}",
                    "Healthcheck {{json .Config.Healthcheck}}", "OnBuild {{json .Config.OnBuild}}"), tag).assertSuccess().stdout();
            String history = docker(socket, tmp, "history", "--no-trunc", "--format", "{{.CreatedBy}}", tag).assertSuccess().stdout()
                    .replaceAll("(file|dir|multi):[0-9a-f]{64}", "$1:<checksum>"); // each builder hashes sources its own way
            String container = docker(socket, tmp, "create", "--network", "none", "--entrypoint", "", tag, "true")
                    .assertSuccess().stdout().strip();
            byte[] exported = exportOf(socket, container);
            docker(socket, tmp, "rm", container).assertSuccess();
            List<String> lines = new ArrayList<>();
            config.lines().forEach(l -> lines.add("config " + l));
            history.lines().forEach(l -> lines.add("history " + l));
            files(exported).forEach(l -> lines.add("file " + l));
            seen.put(engine, lines);
        }
        assertThat(seen.get("skiff")).as("skiff's image (config, history, files), compared with docker's")
                .containsExactlyElementsOf(seen.get("docker"));
    }

    private byte[] exportOf(Path socket, String container) throws IOException {
        Path out = tmp.resolve("export-" + container + ".tar");
        docker(socket, tmp, "export", "-o", out.toString(), container).assertSuccess();
        byte[] bytes = Files.readAllBytes(out);
        Files.delete(out);
        return bytes;
    }

    /** Each entry of an exported root filesystem as a line: path, type, mode, owner, link target, content digest. */
    private static List<String> files(byte[] tar) throws Exception {
        List<String> lines = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String name = e.getName().replaceFirst("^\\./", "");
                if (name.isEmpty() || RUNTIME_FILES.contains(name)) {
                    continue;
                }
                String type = e.isDirectory() ? "dir" : e.isSymbolicLink() ? "symlink" : e.isLink() ? "hardlink" : e.isFile() ? "file" : "other";
                String what = switch (type) {
                    case "symlink", "hardlink" -> "-> " + e.getLinkName().replaceFirst("^\\./", "");
                    case "file" -> sha256(in);
                    default -> "";
                };
                lines.add(name + " " + type + " " + Integer.toOctalString(e.getMode() & 07777) + " " + e.getLongUserId() + ":"
                        + e.getLongGroupId() + " " + what);
            }
        }
        lines.sort(null);
        return lines;
    }

    private static String sha256(InputStream in) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[65536];
        for (int n; (n = in.read(buf)) > 0; ) {
            md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    }
}
