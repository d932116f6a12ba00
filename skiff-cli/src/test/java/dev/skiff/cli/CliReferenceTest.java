package dev.skiff.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/cli.md is what the commands say of themselves: a change to a command's flags must update it. */
class CliReferenceTest {
    @Test
    void docsCliMdIsTheCommandsOwnHelp() throws Exception {
        Path file = Path.of("..", "docs", "cli.md");
        String generated = CliReference.markdown();
        assertThat(generated).contains("## skiff run\n").contains("--publish").contains("## skiff network create\n")
                .doesNotContain("## skiff aot-training").doesNotContain("## skiff cli-reference");
        assertThat(Files.exists(file)).as("docs/cli.md exists; make it with ./skiff cli-reference > docs/cli.md").isTrue();
        assertThat(Files.readString(file)).as("docs/cli.md is out of date: run ./skiff cli-reference > docs/cli.md").isEqualTo(generated);
    }
}
