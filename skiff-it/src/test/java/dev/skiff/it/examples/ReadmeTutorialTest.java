package dev.skiff.it.examples;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.SkiffCli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's tutorial, line by line: after a quickstart of the test's own, every {@code $ } line of
 * the console blocks under "## Tutorial" runs in one bash, as a user would type them (the docker CLI's
 * steps with the real docker CLI against the daemon), and what each prints must be what the README
 * shows. Only what changes from run to run may differ: IDs, digests, UUIDs, numbers and "Less than a
 * second", and the places this run has of its own (ports, folder, socket, config folders).
 */
class ReadmeTutorialTest {
    private static final Path README = Path.of("..", "README.md").toAbsolutePath().normalize();
    private static final String MARK = "@@skiff-readme@@";

    @TempDir
    Path tmp;

    private Quickstart qs;

    @BeforeEach
    void start() {
        qs = new Quickstart(tmp);
    }

    @AfterEach
    void cleanUp() throws IOException {
        qs.close();
        Files.deleteIfExists(tmp.resolve("checkout").resolve("examples")); // the link only, never the checkout's examples
    }

    @Test
    void everyLineOfTheTutorialPrintsWhatTheReadmeShows() throws Exception {
        List<Step> steps = tutorial(Files.readString(README));
        assertThat(steps).as("$ lines under ## Tutorial in " + README).hasSizeGreaterThan(10);
        assertThat(steps).extracting(Step::command).anyMatch(c -> c.startsWith("docker ps")).anyMatch(c -> c.startsWith("docker push"));
        qs.up("alice-readme-1");

        Map<String, String> ours = substitutions();
        Path work = workingFolder();
        StringBuilder script = new StringBuilder("exec </dev/null\n");
        for (int i = 0; i < steps.size(); i++) {
            script.append("printf '\\n").append(MARK).append(" ").append(i).append("\\n'\n")
                    .append("{ ").append(apply(ours, steps.get(i).command())).append("\n} 2>&1\n")
                    .append("printf '\\n").append(MARK).append(" rc %d\\n' $?\n");
        }
        CommandResult ran = ExternalCommand.of("bash", "-c", script.toString()).directory(work)
                .env("SKIFF_HOST", "unix://" + qs.socket).env("SKIFF_CONFIG", qs.config.toString())
                .env("DOCKER_CONFIG", tmp.resolve("docker-config").toString()).timeout(Duration.ofMinutes(8)).run();
        List<Printed> printed = split(ran.stdout());
        assertThat(printed).as(ran.describe()).hasSize(steps.size());

        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            Printed got = printed.get(i);
            String transcript = "README line: $ " + step.command() + "\nran as: $ " + apply(ours, step.command())
                    + "\n--- the README shows ---\n" + String.join("\n", step.output()) + "\n--- it printed ---\n" + got.text();
            assertThat(got.exitCode()).as(transcript).isZero();
            List<String> want = step.output().stream().map(line -> normalize(apply(ours, line))).toList();
            List<String> have = lines(got.text()).stream().map(ReadmeTutorialTest::normalize).toList();
            assertThat(have).as(transcript).isEqualTo(want);
        }
    }

    @Test
    void theComparisonTellsChangingValuesFromRealDifferences() {
        assertThat(normalize("596d733a6c3d   getting-started   \"node src/index.js\"   3 seconds ago   Up 2 seconds   127.0.0.1:3000->3000/tcp   todo"))
                .isEqualTo(normalize("4b739406daa3 getting-started \"node src/index.js\" Less than a second ago Up Less than a second 127.0.0.1:3000->3000/tcp todo"));
        assertThat(normalize("Up About a minute")).isEqualTo(normalize("Up 3 seconds"));
        assertThat(normalize("{\"id\":\"82f048f7-3f3f-46a4-8275-df303d5f2be9\",\"name\":\"Walk the skiff\"}"))
                .isEqualTo(normalize("{\"id\":\"5270bd5a-2287-4257-b29b-81a9ff698011\",\"name\":\"Walk the skiff\"}"));
        assertThat(normalize("Step 4/6 : RUN node --check src/index.js")).isNotEqualTo(normalize("Step 4/6 : RUN node src/index.js"));
        assertThat(normalize("3effacb95741: Layer already exists")).isNotEqualTo(normalize("3effacb95741: Pushed"));
        assertThat(normalize("CONTAINER ID   IMAGE   NAMES")).isNotEqualTo(normalize("CONTAINER ID   IMAGE"));
    }

    /** A {@code $} line of the README and the lines it shows below it. */
    record Step(String command, List<String> output) {
    }

    /** What one step printed, and its exit code. */
    record Printed(String text, int exitCode) {
    }

    /** The {@code $} lines of the console blocks in the "## Tutorial" section, each with the output shown under it. */
    static List<Step> tutorial(String readme) {
        int start = readme.indexOf("\n## Tutorial");
        assertThat(start).as("a '## Tutorial' section in the README").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        List<Step> steps = new ArrayList<>();
        Matcher block = Pattern.compile("```console\\n(.*?)```", Pattern.DOTALL).matcher(section);
        while (block.find()) {
            String command = null;
            List<String> output = new ArrayList<>();
            for (String line : block.group(1).split("\n", -1)) {
                if (line.startsWith("$ ")) {
                    if (command != null) {
                        steps.add(new Step(command, trimTrailingBlanks(output)));
                    }
                    command = line.substring(2);
                    output = new ArrayList<>();
                } else if (command != null) {
                    output.add(line);
                }
            }
            if (command != null) {
                steps.add(new Step(command, trimTrailingBlanks(output)));
            }
        }
        return steps;
    }

    /** What the README's defaults are here: this run's ports, folder, socket and config folders. */
    private Map<String, String> substitutions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("127.0.0.1:3000", "127.0.0.1:" + qs.appPort);
        m.put("localhost:3000", "localhost:" + qs.appPort);
        m.put("localhost:5000", "localhost:" + qs.registryPort);
        m.put("/var/lib/skiff-quickstart", qs.dir.toString());
        m.put("unix:///run/skiff/skiff.sock", "unix://" + qs.socket);
        m.put("/root/.skiff", qs.config.toString());
        m.put("/root/.docker", tmp.resolve("docker-config").toString());
        return m;
    }

    private static String apply(Map<String, String> substitutions, String text) {
        for (Map.Entry<String, String> e : substitutions.entrySet()) {
            text = text.replace(e.getKey(), e.getValue());
        }
        return text;
    }

    /**
     * Where the lines run: a folder with {@code ./skiff} (the skiff under test, as the launcher would run
     * it) and {@code examples/} of this checkout, as the README's lines expect from the checkout's root.
     */
    private Path workingFolder() throws IOException {
        Path work = Files.createDirectories(tmp.resolve("checkout"));
        StringBuilder launcher = new StringBuilder("#!/bin/sh\nexec");
        for (String word : SkiffCli.command()) {
            launcher.append(" '").append(word.replace("'", "'\\''")).append("'");
        }
        Files.writeString(work.resolve("skiff"), launcher.append(" \"$@\"\n").toString());
        Files.setPosixFilePermissions(work.resolve("skiff"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(work.resolve("examples"), Quickstart.APP.getParent());
        return work;
    }

    private static List<Printed> split(String stdout) {
        List<Printed> printed = new ArrayList<>();
        Matcher m = Pattern.compile("\\n" + MARK + " \\d+\\n(.*?)\\n" + MARK + " rc (\\d+)\\n", Pattern.DOTALL).matcher(stdout);
        while (m.find()) {
            printed.add(new Printed(m.group(1), Integer.parseInt(m.group(2))));
        }
        return printed;
    }

    private static List<String> lines(String text) {
        return trimTrailingBlanks(new ArrayList<>(List.of(text.split("\n", -1))));
    }

    private static List<String> trimTrailingBlanks(List<String> lines) {
        List<String> kept = new ArrayList<>(lines);
        while (!kept.isEmpty() && kept.getLast().isBlank()) {
            kept.removeLast();
        }
        return kept;
    }

    /** A line with what changes from run to run put in words: durations, UUIDs, hex IDs and digests, numbers. */
    static String normalize(String line) {
        String s = line.strip().replaceAll("\\s+", " ")
                .replaceAll("Less than a second|About an? (minute|hour)|\\b\\d+ (second|minute|hour)s?\\b", "<duration>");
        s = s.replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>");
        s = s.replaceAll("\\b[0-9a-f]{12,64}\\b", "<id>");
        s = s.replaceAll("\\d+(\\.\\d+)?", "<n>");
        return s;
    }
}
