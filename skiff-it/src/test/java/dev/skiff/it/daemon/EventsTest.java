package dev.skiff.it.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.it.registry.SkiffRegistryProcess;
import dev.skiff.it.registry.Skopeo;
import dev.skiff.it.support.BuiltImage;
import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.OciLayout;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.ServerProcess;
import dev.skiff.it.support.SkiffCli;
import dev.skiff.it.support.Tar;
import dev.skiff.it.support.TestImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code docker events} / {@code skiff events} against a real {@code skiff daemon}: replay, live, filters. */
class EventsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LINE = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z image (\\w+) (\\S+)(?: \\((.*)\\))?");

    @TempDir
    Path tmp;

    CommandResult docker(Path socket, String... args) {
        return DaemonHarness.docker(tmp, socket, args);
    }

    CommandResult skiff(Path socket, String... args) {
        return DaemonHarness.skiff(socket, args);
    }

    @Test
    void imageEventsReplayInDockersLineFormatForBothClients() throws Exception {
        Path rootfs = tmp.resolve("rootfs.tar");
        Files.write(rootfs, new Tar().file("a", "a\n".getBytes(StandardCharsets.UTF_8), 0644).toBytes());
        Path socket = tmp.resolve("skiff.sock");
        try (ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            String since = Long.toString(Instant.now().getEpochSecond() - 1);
            String id = docker(socket, "import", "-c", "LABEL team=blue", rootfs.toString(), "ev:1").assertSuccess().stdout().strip();
            docker(socket, "tag", "ev:1", "ev:2").assertSuccess();
            docker(socket, "rmi", "ev:2").assertSuccess();
            docker(socket, "save", "-o", tmp.resolve("ev.tar").toString(), "ev:1").assertSuccess();
            docker(socket, "rmi", "ev:1").assertSuccess();
            docker(socket, "load", "-i", tmp.resolve("ev.tar").toString()).assertSuccess();
            String until = Long.toString(Instant.now().getEpochSecond() + 1);

            String fromDocker = docker(socket, "events", "--since", since, "--until", until).assertSuccess().stdout();
            List<String> actions = new ArrayList<>();
            for (String line : fromDocker.lines().toList()) {
                var m = LINE.matcher(line);
                assertThat(m.matches()).as(line).isTrue();
                actions.add(m.group(1) + " " + m.group(3));
            }
            assertThat(actions).containsSubsequence(
                    "tag name=ev:1, team=blue",
                    "import name=" + id + ", team=blue",
                    "tag name=ev:2, team=blue",
                    "untag name=" + id + ", team=blue",
                    "save name=" + id + ", team=blue",
                    "untag name=" + id,
                    "delete name=" + id,
                    "load name=" + id + ", team=blue");
            assertThat(fromDocker).contains(" image tag " + id + " (name=ev:1, team=blue)\n");
            assertThat(skiff(socket, "events", "--since", since, "--until", until).assertSuccess().stdout()).isEqualTo(fromDocker);

            // filters and --format, the same for both clients
            String[] filtered = {"events", "--since", since, "--until", until, "--filter", "event=untag", "--filter", "type=image",
                    "--format", "{{.Action}} {{.Actor.ID}} {{.Type}}"};
            String untags = docker(socket, filtered).assertSuccess().stdout();
            assertThat(untags).isEqualTo(("untag " + id + " image\n").repeat(2));
            assertThat(skiff(socket, filtered).assertSuccess().stdout()).isEqualTo(untags);
            String[] byImage = {"events", "--since", since, "--until", until, "--filter", "image=ev:2", "--format", "{{.Action}}"};
            assertThat(docker(socket, byImage).assertSuccess().stdout()).isEqualTo("tag\n");
            String[] byRepository = {"events", "--since", since, "--until", until, "--filter", "image=ev", "--format", "{{.Action}}"};
            assertThat(skiff(socket, byRepository).assertSuccess().stdout()).isEqualTo("tag\ntag\ntag\n"); // load tags ev:1 again
            JsonNode first = JSON.readTree(skiff(socket, "events", "--since", since, "--until", until, "--format", "{{json .}}")
                    .assertSuccess().stdout().lines().findFirst().orElseThrow());
            assertThat(first.path("status").asText()).isEqualTo("tag");
            assertThat(first.path("id").asText()).isEqualTo(id);
            assertThat(first.path("scope").asText()).isEqualTo("local");
            assertThat(first.path("timeNano").asLong() / 1_000_000_000L).isEqualTo(first.path("time").asLong());
            assertThat(skiff(socket, "events", "--since", "10m", "--until", "0s", "--filter", "event=load", "--format", "{{.Action}}")
                    .assertSuccess().stdout()).isEqualTo("load\n");
            assertThat(docker(socket, "events", "--until", until, "--filter", "event=delete", "--format", "{{.Action}} {{.ID}}")
                    .assertSuccess().stdout()).isEqualTo("delete " + id + "\n"); // until alone replays too, as dockerd's

            // bad input: a time that is no time, an unknown filter
            CommandResult badSince = skiff(socket, "events", "--since", "bad");
            assertThat(badSince.exitCode()).isEqualTo(1);
            assertThat(badSince.stderr()).isEqualTo("skiff: failed to parse value as time or duration: \"bad\"\n");
            assertThat(docker(socket, "events", "--since", "bad").stderr()).contains("failed to parse value as time or duration: \"bad\"");
            CommandResult badFilter = skiff(socket, "events", "--since", since, "--until", until, "--filter", "foo=bar");
            assertThat(badFilter.exitCode()).isEqualTo(1);
            assertThat(badFilter.stderr()).isEqualTo("skiff: Error response from daemon: Invalid filter 'foo'\n");
            CommandResult api = ExternalCommand.of("curl", "-s", "-w", " %{http_code}", "--unix-socket", socket.toString(),
                    "http://skiff/v1.41/events?since=bad").run().assertSuccess();
            assertThat(api.stdout()).isEqualTo("{\"message\":\"failed to parse value as time or duration: \\\"bad\\\"\"}\n 400");
        }
    }

    @Test
    void liveSubscribersSeeEventsAsTheyHappenIncludingPulls() throws Exception {
        Path htpasswd = tmp.resolve("htpasswd");
        SkiffRegistryProcess.addUser(htpasswd, "alice", "alice-pw");
        OciLayout layout = OciLayout.create(tmp.resolve("layout"));
        BuiltImage image = TestImages.busyboxMultiLayer(layout, 3);
        layout.tag("app", image);
        Path socket = tmp.resolve("skiff.sock");
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("registry")).htpasswd(htpasswd).start();
             ServerProcess daemon = DaemonHarness.start(tmp, socket)) {
            new Skopeo(tmp.resolve("skopeo")).copy(layout.reference("app"), registry.ref("alice/app:1"),
                    Skopeo.destCreds("alice", "alice-pw")).assertSuccess();
            String ref = registry.address() + "/alice/app:1";
            try (ServerProcess skiffEvents = ServerProcess.start("skiff-events",
                         SkiffCli.command("-H", "unix://" + socket, "events", "--filter", "type=image"), null);
                 ServerProcess dockerEvents = ServerProcess.start("docker-events", List.of(RequiredTool.DOCKER.command(), "-H",
                         "unix://" + socket, "events", "--format", "{{.Action}} {{.Actor.ID}}"),
                         ExternalCommand.of("true").env("DOCKER_CONFIG", tmp.resolve("docker-config").toString()))) {
                awaitListeners(socket, 2);
                docker(socket, "pull", ref).assertSuccess();
                Optional<String> line = skiffEvents.nextStdoutLine(Duration.ofSeconds(30));
                List<String> seen = new ArrayList<>();
                while (line.isPresent() && seen.size() < 5) {
                    seen.add(line.get());
                    if (line.get().contains(" image pull ")) {
                        break;
                    }
                    line = skiffEvents.nextStdoutLine(Duration.ofSeconds(30));
                }
                assertThat(seen).as(daemon.describe()).anySatisfy(l -> assertThat(l).contains(" image pull " + ref + " (")
                        .endsWith(", name=" + ref + ")"));
                Optional<String> dockerLine = dockerEvents.nextStdoutLine(Duration.ofSeconds(30));
                while (dockerLine.isPresent() && !dockerLine.get().startsWith("pull ")) {
                    dockerLine = dockerEvents.nextStdoutLine(Duration.ofSeconds(30));
                }
                assertThat(dockerLine).hasValue("pull " + ref);
            }
            // the subscribers left with their clients
            awaitListeners(socket, 0);
            assertThat(daemon.isAlive()).isTrue();
        }
    }

    private void awaitListeners(Path socket, int count) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        String n = "";
        while (Instant.now().isBefore(deadline)) {
            n = docker(socket, "info", "--format", "{{.NEventsListener}}").assertSuccess().stdout().strip();
            if (n.equals(Integer.toString(count))) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("expected " + count + " event listeners, the daemon reports " + n);
    }
}
