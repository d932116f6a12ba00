package dev.skiff.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code skiff build --progress}: the builder's text as it comes, or the live step list. */
class BuildDisplayTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong millis = new AtomicLong();

    private BuildDisplay display(BuildDisplay.Mode mode) {
        return new BuildDisplay(out, mode, 60, () -> Instant.ofEpochMilli(millis.get()));
    }

    /** What a terminal would show: each "cursor up n, clear to the end" takes back the last n lines. */
    private String screen() {
        String raw = bytes.toString(StandardCharsets.UTF_8);
        java.util.List<String> lines = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\033\\[(\\d+)A\033\\[J").matcher(raw);
        int at = 0;
        while (m.find()) {
            raw.substring(at, m.start()).lines().forEach(lines::add);
            for (int i = Integer.parseInt(m.group(1)); i > 0; i--) {
                lines.removeLast();
            }
            at = m.end();
        }
        raw.substring(at).lines().forEach(lines::add);
        return String.join("\n", lines) + "\n";
    }

    @Test
    void plainIsTheBuildersTextAsItComes() {
        BuildDisplay d = display(BuildDisplay.Mode.PLAIN);
        d.text("Step 1/2 : FROM box\n ---> abc\n");
        d.text("Step 2/2 : RUN echo hi\n ---> Running in 123\nhi\n");
        d.finish();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("Step 1/2 : FROM box\n ---> abc\nStep 2/2 : RUN echo hi\n ---> Running in 123\nhi\n");
    }

    @Test
    void ttyListsEachStepWithItsTimeAndShowsTheRunningStepsOutput() {
        BuildDisplay d = display(BuildDisplay.Mode.TTY);
        d.text("Step 1/3 : FROM box\n ---> abc\n");
        millis.set(100);
        d.text("Step 2/3 : COPY . /app\n ---> Using cache\n ---> def\n");
        millis.set(200);
        d.text("Step 3/3 : RUN make\n ---> Running in 123\ncompiling a\n");
        millis.set(1700);
        d.text("compiling b\n");
        assertThat(screen()).isEqualTo("""
                [1/3] FROM box                                         0.1s
                [2/3] COPY . /app                                    CACHED
                [3/3] RUN make                                         1.5s
                   compiling a
                   compiling b
                """);
        millis.set(2200);
        d.text("Removing intermediate container 123\n ---> 456\nSuccessfully built 456\nSuccessfully tagged app:latest\n");
        d.finish();
        assertThat(screen()).isEqualTo("""
                [1/3] FROM box                                         0.1s
                [2/3] COPY . /app                                    CACHED
                [3/3] RUN make                                         2.0s
                Successfully built 456
                Successfully tagged app:latest
                """);
    }

    @Test
    void aFailingStepKeepsAllItsOutput() {
        BuildDisplay d = display(BuildDisplay.Mode.TTY);
        d.text("Step 1/2 : FROM box\n ---> abc\nStep 2/2 : RUN for i in 1 2 3 4 5 6 7 8; do echo line $i; done; exit 3\n ---> Running in 1\n");
        for (int i = 1; i <= 8; i++) {
            d.text("line " + i + "\n");
        }
        millis.set(900);
        d.failed();
        String screen = screen();
        assertThat(screen).startsWith("[1/2] FROM box                                         0.0s\n[2/2] RUN for i in 1 2 3 4 5 6 7 8;")
                .contains("... ERROR after 0.9s\n").contains("   line 1\n").endsWith("   line 8\n");
        assertThat(screen.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(60));
    }

    @Test
    void anUnknownModeIsAFlagError() {
        assertThat(BuildDisplay.Mode.of("auto", true)).isEqualTo(BuildDisplay.Mode.TTY);
        assertThat(BuildDisplay.Mode.of("auto", false)).isEqualTo(BuildDisplay.Mode.PLAIN);
        assertThatThrownBy(() -> BuildDisplay.Mode.of("fancy", true)).isInstanceOf(Cli.FlagError.class)
                .hasMessage("invalid --progress fancy: use auto, plain or tty");
    }
}
