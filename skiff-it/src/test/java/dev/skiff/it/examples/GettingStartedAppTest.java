package dev.skiff.it.examples;

import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.RequiredTool;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** examples/getting-started, the tutorial's todo app: its own tests (node --test) pass with the real Node.js. */
class GettingStartedAppTest {
    private static final Path APP = Path.of("..", "examples", "getting-started").toAbsolutePath().normalize();

    @Test
    void theAppsOwnTestsPass() {
        assertThat(APP.resolve("Dockerfile")).exists();
        CommandResult r = ExternalCommand.of(RequiredTool.NODE.command(), "--test", "spec/").directory(APP).run();
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("# pass 3").contains("# fail 0");
    }

    @Test
    void itsDockerfileHasTheTutorialsShape() throws Exception {
        String dockerfile = Files.readString(APP.resolve("Dockerfile"));
        assertThat(dockerfile).contains("WORKDIR /app\n", "COPY . .\n", "CMD [\"node\", \"src/index.js\"]\n", "EXPOSE 3000\n");
        assertThat(Files.readString(APP.resolve(".dockerignore"))).contains("node_modules");
    }
}
