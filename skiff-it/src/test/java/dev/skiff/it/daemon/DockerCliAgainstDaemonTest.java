package dev.skiff.it.daemon;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.ServerProcess;
import dev.skiff.it.support.SkiffCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The real docker CLI against a real {@code skiff daemon} process on its own socket. */
class DockerCliAgainstDaemonTest {
    @TempDir
    Path tmp;

    ServerProcess startDaemon(Path socket) {
        return DaemonHarness.start(tmp, socket);
    }

    /** A tar of a root filesystem with busybox-static as /bin/busybox and these applets linked to it. */
    private Path busyboxTar(String... applets) throws java.io.IOException {
        Path bin = tmp.resolve("rootfs/bin");
        java.nio.file.Files.createDirectories(bin);
        java.nio.file.Files.copy(RequiredTool.BUSYBOX.path(), bin.resolve("busybox"));
        for (String applet : applets) {
            java.nio.file.Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        Path tar = tmp.resolve("rootfs.tar");
        ExternalCommand.of("tar", "-C", tmp.resolve("rootfs").toString(), "-cf", tar.toString(), ".").run().assertSuccess();
        return tar;
    }

    CommandResult docker(Path socket, String... args) {
        return DaemonHarness.docker(tmp, socket, args);
    }

    @Test
    void dockerImportsListsTagsInspectsAndRemovesImages() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path tar = busyboxTar("sh");
        try (ServerProcess daemon = startDaemon(socket)) {
            String id = docker(socket, "import", "-c", "CMD [\"sh\"]", "-c", "ENV A=b", "-m", "from a test", tar.toString(), "busybox:local")
                    .assertSuccess().stdout().strip();
            assertThat(id).matches("sha256:[0-9a-f]{64}");
            String again = docker(socket, "import", "-c", "CMD [\"sh\"]", "-c", "ENV A=b", "-m", "from a test", tar.toString())
                    .assertSuccess().stdout().strip();
            assertThat(again).matches("sha256:[0-9a-f]{64}");

            String list = docker(socket, "images").assertSuccess().stdout();
            assertThat(list.lines().findFirst().orElseThrow()).matches("REPOSITORY\\s+TAG\\s+IMAGE ID\\s+CREATED\\s+SIZE");
            assertThat(list).containsPattern("<none>\\s+<none>\\s+[0-9a-f]{12}");
            assertThat(list).containsPattern("busybox\\s+local\\s+" + id.substring(7, 19) + "\\s+.*ago\\s+[0-9.]+MB");

            docker(socket, "tag", "busybox:local", "localhost:5000/alice/app:1.0").assertSuccess();
            assertThat(docker(socket, "images", "--format", "{{.Repository}}:{{.Tag}}").assertSuccess().stdout().lines().sorted().toList())
                    .contains("busybox:local", "localhost:5000/alice/app:1.0");
            assertThat(docker(socket, "image", "inspect", "-f", "{{json .Config.Cmd}} {{.Config.Env}} {{.Comment}} {{.Os}} {{len .RootFS.Layers}}",
                    "localhost:5000/alice/app:1.0").assertSuccess().stdout().strip()).isEqualTo("[\"sh\"] [A=b] from a test linux 1");

            CommandResult missing = docker(socket, "rmi", "nothing");
            assertThat(missing.exitCode()).isNotZero();
            assertThat(missing.stderr()).contains("No such image: nothing:latest");
            CommandResult badChange = docker(socket, "import", "-c", "RUN echo hi", tar.toString());
            assertThat(badChange.exitCode()).isNotZero();
            assertThat(badChange.stderr()).contains("run is not a valid change command");

            assertThat(docker(socket, "rmi", "busybox:local").assertSuccess().stdout()).contains("Untagged: busybox:local");
            String removed = docker(socket, "rmi", "localhost:5000/alice/app:1.0").assertSuccess().stdout();
            assertThat(removed).contains("Untagged: localhost:5000/alice/app:1.0").contains("Deleted: " + id);
            assertThat(docker(socket, "images", "-q").assertSuccess().stdout().lines().toList()).doesNotContain(id.substring(7, 19));
        }
    }

    CommandResult skiff(Path socket, String... args) {
        return DaemonHarness.skiff(socket, args);
    }

    @Test
    void theSkiffCliDoesTheSameWithDockersOutput() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path tar = busyboxTar();
        try (ServerProcess daemon = startDaemon(socket)) {
            String id = skiff(socket, "import", "-c", "CMD [\"sh\"]", tar.toString(), "busybox:local").assertSuccess().stdout().strip();
            assertThat(id).matches("sha256:[0-9a-f]{64}");
            skiff(socket, "tag", "busybox:local", "alice/app:1.0").assertSuccess();
            String list = skiff(socket, "images").assertSuccess().stdout();
            assertThat(list.lines().findFirst().orElseThrow()).matches("REPOSITORY\\s+TAG\\s+IMAGE ID\\s+CREATED\\s+SIZE");
            assertThat(list).containsPattern("alice/app\\s+1.0\\s+" + id.substring(7, 19) + "\\s+\\S.* ago\\s+[0-9.]+MB");
            // the same listing the real docker CLI prints for the same daemon, column for column; the docker CLI
            // groups one image's tags by repository in a Go map, so their order varies from run to run there
            String dockerList = docker(socket, "images").assertSuccess().stdout();
            List<String> ours = list.lines().map(l -> l.replaceAll("\\s+", " ")).map(l -> l.replaceAll("[0-9]+ seconds? ago|Less than a second ago", "T")).toList();
            List<String> theirs = dockerList.lines().map(l -> l.replaceAll("\\s+", " ")).map(l -> l.replaceAll("[0-9]+ seconds? ago|Less than a second ago", "T")).toList();
            assertThat(ours.getFirst()).isEqualTo(theirs.getFirst());
            assertThat(ours.subList(1, ours.size())).containsExactlyInAnyOrderElementsOf(theirs.subList(1, theirs.size()));
            assertThat(skiff(socket, "images", "-q").assertSuccess().stdout().strip()).isEqualTo(id.substring(7, 19));
            assertThat(skiff(socket, "image", "inspect", "-f", "{{json .Config.Cmd}} {{index .RepoTags 0}}", "alice/app:1.0")
                    .assertSuccess().stdout().strip()).isEqualTo("[\"sh\"] alice/app:1.0");
            CommandResult missing = skiff(socket, "rmi", "nothing");
            assertThat(missing.exitCode()).isEqualTo(1);
            assertThat(missing.stderr().strip()).isEqualTo("Error response from daemon: No such image: nothing:latest");
            CommandResult badTemplate = skiff(socket, "images", "--format", "{{.Nope}}");
            assertThat(badTemplate.exitCode()).isEqualTo(1);
            assertThat(badTemplate.stderr()).contains("can't evaluate field Nope").doesNotContain("Exception");
            skiff(socket, "rmi", "busybox:local").assertSuccess();
            assertThat(skiff(socket, "image", "rm", "alice/app:1.0").assertSuccess().stdout()).contains("Deleted: " + id);
        }
    }

    static void openssl(Path dir, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        ExternalCommand.of(command).directory(dir).timeout(Duration.ofSeconds(60)).run().assertSuccess();
    }

    @Test
    void tcpWithMutualTlsAdmitsOnlyClientsWithACertificateFromTheCa() throws Exception {
        Path pki = tmp.resolve("pki");
        java.nio.file.Files.createDirectories(pki);
        openssl(pki, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=test-ca", "-keyout", "ca-key.pem", "-out", "ca.pem");
        java.nio.file.Files.writeString(pki.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        java.nio.file.Files.writeString(pki.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        for (String who : new String[] {"server", "client"}) {
            openssl(pki, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=" + who,
                    "-keyout", who + "-key.pem", "-out", who + ".csr");
            openssl(pki, "x509", "-req", "-in", who + ".csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                    "-days", "1", "-extfile", who + ".ext", "-out", who + ".pem");
        }
        ServerProcess daemon = ServerProcess.start("skiff-daemon", SkiffCli.command("daemon", "--data-root", tmp.resolve("data").toString(),
                "--exec-root", tmp.resolve("exec").toString(), "-H", "tcp://127.0.0.1:0", "--tlsverify",
                "--tlscacert", pki.resolve("ca.pem").toString(), "--tlscert", pki.resolve("server.pem").toString(),
                "--tlskey", pki.resolve("server-key.pem").toString()), null);
        try (daemon) {
            String first = daemon.nextStdoutLine(Duration.ofSeconds(30)).orElseThrow(() -> new AssertionError(daemon.describe()));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("listening on (tcp://127\\.0\\.0\\.1:\\d+)").matcher(first);
            assertThat(m.find()).as(first).isTrue();
            String host = m.group(1);
            assertThat(daemon.output()).as("with --tlsverify no warning").doesNotContain("WARNING");
            List<String> tls = List.of("--tlsverify", "--tlscacert", pki.resolve("ca.pem").toString(),
                    "--tlscert", pki.resolve("client.pem").toString(), "--tlskey", pki.resolve("client-key.pem").toString());
            List<String> ok = new java.util.ArrayList<>(List.of(RequiredTool.DOCKER.command(), "-H", host));
            ok.addAll(tls);
            ok.addAll(List.of("version", "--format", "{{.Server.APIVersion}}"));
            assertThat(ExternalCommand.of(ok).env("DOCKER_CONFIG", tmp.resolve("cfg").toString()).timeout(Duration.ofSeconds(60)).run()
                    .assertSuccess().stdout().strip()).isEqualTo("1.41");
            // no client certificate: the TLS handshake is refused
            CommandResult refused = ExternalCommand.of(RequiredTool.DOCKER.command(), "-H", host, "--tls", "--tlscacert",
                    pki.resolve("ca.pem").toString(), "version").env("DOCKER_CONFIG", tmp.resolve("cfg").toString())
                    .timeout(Duration.ofSeconds(60)).run();
            assertThat(refused.exitCode()).isNotZero();
            assertThat(refused.output()).doesNotContain("Skiff Engine");
        }
    }

    @Test
    void tcpWithoutTlsVerifyWarnsThatTheApiGivesRootToAnyoneWhoReachesIt() {
        ServerProcess daemon = ServerProcess.start("skiff-daemon", SkiffCli.command("daemon", "--data-root", tmp.resolve("data").toString(),
                "--exec-root", tmp.resolve("exec").toString(), "-H", "tcp://127.0.0.1:0"), null);
        try (daemon) {
            String first = daemon.nextStdoutLine(Duration.ofSeconds(30)).orElseThrow(() -> new AssertionError(daemon.describe()));
            assertThat(first).as(daemon.describe()).contains("listening on tcp://127.0.0.1:");
            assertThat(daemon.output()).contains("WARNING: the API on tcp://127.0.0.1:0 is open to anyone who can reach it, unencrypted,"
                    + " and gives root on this machine: add --tlsverify --tlscacert --tlscert --tlskey, or listen on a unix socket");
        }
    }

    @Test
    void dockerVersionAndInfoTalkToTheDaemonAndItStopsCleanly() {
        Path socket = tmp.resolve("skiff.sock");
        try (ServerProcess daemon = startDaemon(socket)) {
            String version = docker(socket, "version").assertSuccess().stdout();
            assertThat(version).contains("Server: Skiff Engine").containsPattern("API version:\\s+1.41 \\(minimum version 1.12\\)");
            String info = docker(socket, "info").assertSuccess().stdout();
            assertThat(info).contains("Server Version:").contains("Docker Root Dir: " + tmp.resolve("data")).contains("OSType: linux");
            assertThat(docker(socket, "version", "--format", "{{.Server.APIVersion}}").assertSuccess().stdout().strip()).isEqualTo("1.41");
            assertThat(SkiffCli.run(Duration.ofSeconds(60), "-H", "unix://" + socket, "version").assertSuccess().stdout())
                    .contains("Server: Skiff Engine").containsPattern("API version:\\s+1.41 \\(minimum version 1.12\\)");

            CommandResult second = SkiffCli.run(Duration.ofSeconds(60), "daemon", "--data-root", tmp.resolve("data").toString(),
                    "--exec-root", tmp.resolve("exec2").toString(), "-H", "unix://" + tmp.resolve("other.sock"));
            assertThat(second.exitCode()).isEqualTo(1);
            assertThat(second.stderr()).contains("another skiff daemon (pid " + daemon.pid() + ") is using the data root");

            assertThat(daemon.stop(Duration.ofSeconds(15))).as(daemon.describe()).isZero();
            assertThat(socket).doesNotExist();
        }
        CommandResult down = docker(socket, "version");
        assertThat(down.exitCode()).isNotZero();
        CommandResult skiffDown = SkiffCli.run(Duration.ofSeconds(60), "-H", "unix://" + socket, "version");
        assertThat(skiffDown.exitCode()).isEqualTo(1);
        assertThat(skiffDown.stderr().strip()).startsWith("skiff: cannot connect to the skiff daemon at unix://" + socket + ": is it running?")
                .doesNotContain("Exception").hasLineCount(1);
    }

    private static com.fasterxml.jackson.databind.JsonNode mountAt(com.fasterxml.jackson.databind.JsonNode mounts, String destination) {
        for (var m : mounts) {
            if (m.path("Destination").asText().equals(destination)) {
                return m;
            }
        }
        throw new AssertionError("no mount at " + destination + " in " + mounts);
    }

    @Test
    void dockerRunsWithMountTmpfsAndInitAsDockerdDoes() throws Exception {
        Path socket = tmp.resolve("skiff.sock");
        Path tar = busyboxTar("sh");
        Path src = java.nio.file.Files.createDirectories(tmp.resolve("src"));
        java.nio.file.Files.writeString(src.resolve("f"), "from host\n");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        try (ServerProcess daemon = startDaemon(socket)) {
            docker(socket, "import", tar.toString(), "busybox:local").assertSuccess();
            String out = docker(socket, "run", "--name", "mounts", "--network", "none",
                    "--mount", "type=bind,src=" + src + ",dst=/ro,readonly", "--mount", "type=volume,src=e2e-data,dst=/named",
                    "--mount", "type=tmpfs,dst=/t,tmpfs-size=1m", "--tmpfs", "/run/x:size=64m,mode=1770", "busybox:local",
                    "sh", "-c", "busybox cat /ro/f; (echo x > /ro/y) 2>/dev/null || echo ro-refused; busybox grep -E ' /(t|run/x) ' /proc/mounts")
                    .assertSuccess().stdout();
            assertThat(out).startsWith("from host\nro-refused\n")
                    .containsPattern("tmpfs /t tmpfs rw,nosuid,nodev,noexec,\\S*size=1024k")
                    .containsPattern("tmpfs /run/x tmpfs rw,nosuid,nodev,noexec,\\S*size=65536k,mode=1770");

            var mounts = json.readTree(docker(socket, "inspect", "-f", "{{json .Mounts}}", "mounts").assertSuccess().stdout());
            assertThat(mounts).hasSize(3); // --tmpfs is no mount point in docker's inspect either
            assertThat(mountAt(mounts, "/ro").toString()).isEqualTo("{\"Type\":\"bind\",\"Source\":\"" + src
                    + "\",\"Destination\":\"/ro\",\"Mode\":\"\",\"RW\":false,\"Propagation\":\"rprivate\"}");
            assertThat(mountAt(mounts, "/named").toString()).isEqualTo("{\"Type\":\"volume\",\"Name\":\"e2e-data\",\"Source\":\""
                    + tmp.resolve("data/volumes/e2e-data/_data") + "\",\"Destination\":\"/named\",\"Driver\":\"local\",\"Mode\":\"z\","
                    + "\"RW\":true,\"Propagation\":\"\"}");
            assertThat(mountAt(mounts, "/t").toString())
                    .isEqualTo("{\"Type\":\"tmpfs\",\"Source\":\"\",\"Destination\":\"/t\",\"Mode\":\"\",\"RW\":true,\"Propagation\":\"\"}");
            assertThat(docker(socket, "inspect", "-f", "{{json .HostConfig.Mounts}} {{json .HostConfig.Tmpfs}}", "mounts").assertSuccess().stdout().strip())
                    .isEqualTo("[{\"Type\":\"bind\",\"Source\":\"" + src + "\",\"Target\":\"/ro\",\"ReadOnly\":true},"
                            + "{\"Type\":\"volume\",\"Source\":\"e2e-data\",\"Target\":\"/named\"},"
                            + "{\"Type\":\"tmpfs\",\"Target\":\"/t\",\"TmpfsOptions\":{\"SizeBytes\":1048576}}] {\"/run/x\":\"size=64m,mode=1770\"}");

            // a missing bind source: refused at create, nothing made; the CLI's own refusals never reach the daemon
            String missing = tmp.resolve("missing").toString();
            for (CommandResult refused : List.of(
                    docker(socket, "run", "--rm", "--mount", "type=volume,src=not-made,dst=/v", "--mount", "type=bind,src=" + missing + ",dst=/x", "busybox:local", "true"),
                    skiff(socket, "run", "--rm", "--mount", "type=volume,src=not-made,dst=/v", "--mount", "type=bind,src=" + missing + ",dst=/x", "busybox:local", "true"))) {
                assertThat(refused.exitCode()).isEqualTo(125);
                assertThat(refused.stderr()).contains("Error response from daemon: invalid mount config for type \"bind\": bind source path does not exist: " + missing);
            }
            for (CommandResult refused : List.of(docker(socket, "run", "--mount", "type=bind,src=/a", "busybox:local", "true"),
                    skiff(socket, "run", "--mount", "type=bind,src=/a", "busybox:local", "true"))) {
                assertThat(refused.exitCode()).isEqualTo(125);
                assertThat(refused.stderr()).contains("invalid argument \"type=bind,src=/a\" for \"--mount\" flag: target is required");
            }
            assertThat(docker(socket, "ps", "-aq").assertSuccess().stdout().lines().count()).isEqualTo(1);
            assertThat(docker(socket, "volume", "ls", "-q").assertSuccess().stdout().lines().toList()).containsExactly("e2e-data");

            // --init: tini is PID 1 and passes stop's SIGTERM to sleep, which dies of it at once (sleep as PID 1 would ignore it)
            assertThat(skiff(socket, "run", "--rm", "--init", "--network", "none", "busybox:local", "sh", "-c",
                    "busybox tr '\\0' ' ' < /proc/1/cmdline").assertSuccess().stdout().strip())
                    .isEqualTo("/sbin/docker-init -- sh -c busybox tr '\\0' ' ' < /proc/1/cmdline");
            docker(socket, "run", "-d", "--init", "--network", "none", "--name", "sleeper", "busybox:local", "busybox", "sleep", "600").assertSuccess();
            assertThat(docker(socket, "exec", "sleeper", "busybox", "ps", "-o", "pid,args").assertSuccess().stdout())
                    .containsPattern("(?m)^\\s*1\\s+/sbin/docker-init -- busybox sleep 600$");
            long t0 = System.nanoTime();
            docker(socket, "stop", "sleeper").assertSuccess();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            assertThat(docker(socket, "inspect", "-f", "{{.State.ExitCode}} {{.HostConfig.Init}}", "sleeper").assertSuccess().stdout().strip())
                    .isEqualTo("143 true");
        }
    }
}
