package dev.skiff.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code skiff dockerfile parse}: BuildKit's dump of a corpus Dockerfile, and its refusals. */
class DockerfileCommandsTest {
    private static final Path CORPUS = Path.of("..", "skiff-builder", "src", "test", "resources", "buildkit-testdata", "parser");

    @TempDir
    Path tmp;

    private record Ran(int exit, String out, String err) {
    }

    private static Ran skiff(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        StringWriter err = new StringWriter();
        int exit;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            exit = Main.run(new PrintWriter(err, true), args);
        } finally {
            System.setOut(saved);
        }
        return new Ran(exit, out.toString(StandardCharsets.UTF_8), err.toString());
    }

    @Test
    void printsWhatBuildKitsParserPrintsForTheCorpus() throws Exception {
        for (String name : new String[] {"ADD-COPY-with-JSON", "continue-at-eof", "brimstone-consuldock"}) {
            Path dir = CORPUS.resolve("testfiles").resolve(name);
            Ran r = skiff("dockerfile", "parse", dir.resolve("Dockerfile").toString());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).as(name).isEqualTo(Files.readString(dir.resolve("result")));
        }
    }

    @Test
    void aMissingFileOrABadDockerfileIsOneSentence() throws Exception {
        Ran missing = skiff("dockerfile", "parse", tmp.resolve("nope").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err().strip()).isEqualTo("skiff: cannot read " + tmp.resolve("nope") + ": no such file");

        // what BuildKit's parser refuses (its negative corpus), and a here-document without its end
        Path unterminated = Files.writeString(tmp.resolve("Dockerfile"), "FROM busybox\nRUN <<EOF\necho hi\n");
        Path negative = CORPUS.resolve("testfiles-negative").resolve("env_no_value").resolve("Dockerfile");
        for (Path file : new Path[] {unterminated, negative}) {
            Ran r = skiff("dockerfile", "parse", file.toString());
            assertThat(r.exit()).as(file + ": " + r.out()).isEqualTo(1);
            assertThat(r.err()).startsWith("skiff: " + file + ": ").doesNotContain("Exception", "\tat ");
            assertThat(r.err().strip().lines()).hasSize(1);
        }
    }
}
