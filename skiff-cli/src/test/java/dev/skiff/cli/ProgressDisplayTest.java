package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The docker CLI's rendering of a pull stream, on a terminal and off it (moby's jsonmessage). */
class ProgressDisplayTest {
    private static final String PULL = """
            {"status":"Pulling from alice/app","id":"latest"}
            {"status":"Pulling fs layer","progressDetail":{},"id":"aaaaaaaaaaaa"}
            {"status":"Pulling fs layer","progressDetail":{},"id":"bbbbbbbbbbbb"}
            {"status":"Downloading","progressDetail":{"current":500000,"total":1000000},"progress":"[=>]","id":"aaaaaaaaaaaa"}
            {"status":"Download complete","progressDetail":{},"id":"aaaaaaaaaaaa"}
            {"status":"Pull complete","progressDetail":{},"id":"bbbbbbbbbbbb"}
            {"status":"Digest: sha256:1234"}
            {"status":"Status: Downloaded newer image for 127.0.0.1:5000/alice/app:latest"}
            """;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private String render(boolean terminal, int width, String stream) throws Exception {
        ProgressDisplay display = new ProgressDisplay(new PrintStream(bytes, true, StandardCharsets.UTF_8), terminal, width, Instant::now);
        display.show(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)), aux -> { });
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void withoutATerminalEachStatusIsOneLineAndByteProgressIsLeftOut() throws Exception {
        assertThat(render(false, 0, PULL)).isEqualTo("""
                latest: Pulling from alice/app
                aaaaaaaaaaaa: Pulling fs layer
                bbbbbbbbbbbb: Pulling fs layer
                aaaaaaaaaaaa: Download complete
                bbbbbbbbbbbb: Pull complete
                Digest: sha256:1234
                Status: Downloaded newer image for 127.0.0.1:5000/alice/app:latest
                """);
    }

    @Test
    void onATerminalEachLayerKeepsItsLineAndIsRedrawnInPlace() throws Exception {
        String out = render(true, 120, PULL);
        String esc = "\u001b";
        assertThat(out).startsWith("latest: Pulling from alice/app\n"
                // a new layer gets a new line, the cursor goes up to it, it is cleared and drawn, and down again
                + "\n" + esc + "[1A" + esc + "[2K\raaaaaaaaaaaa: Pulling fs layer \r" + esc + "[1B"
                + "\n" + esc + "[1A" + esc + "[2K\rbbbbbbbbbbbb: Pulling fs layer \r" + esc + "[1B"
                // the first layer is two lines up from the bottom now
                + esc + "[2A" + esc + "[2K\raaaaaaaaaaaa: Downloading [=========================>                         ]    500kB/1MB\r" + esc + "[2B");
        assertThat(out).endsWith("Digest: sha256:1234\nStatus: Downloaded newer image for 127.0.0.1:5000/alice/app:latest\n");
    }

    @Test
    void aNarrowTerminalGetsNumbersWithoutTheBar() {
        ProgressDisplay display = new ProgressDisplay(new PrintStream(bytes), true, 80, Instant::now);
        JsonNode detail = node("{\"current\":1234567,\"total\":9876543}");
        assertThat(display.bar(detail)).isEqualTo(" 1.235MB/9.877MB");
        assertThat(display.bar(node("{\"current\":2000,\"total\":1000}"))).isEqualTo("     2kB");
        assertThat(display.bar(node("{}"))).isEmpty();
    }

    @Test
    void anErrorInTheStreamFailsWithItsMessageAfterWhatCameBefore() {
        String stream = "{\"status\":\"Pulling from alice/app\",\"id\":\"latest\"}\n"
                + "{\"errorDetail\":{\"message\":\"blob sha256:ab is corrupt\"},\"error\":\"blob sha256:ab is corrupt\"}\n";
        assertThatThrownBy(() -> render(false, 0, stream))
                .isInstanceOf(Cli.UserError.class)
                .hasMessage("blob sha256:ab is corrupt");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("latest: Pulling from alice/app\n");
    }

    @Test
    void auxMessagesGoToTheCallerNotTheScreen() throws Exception {
        List<JsonNode> aux = new ArrayList<>();
        ProgressDisplay display = new ProgressDisplay(new PrintStream(bytes), false, 0, Instant::now);
        display.show(new ByteArrayInputStream("{\"progressDetail\":{},\"aux\":{\"Tag\":\"latest\",\"Digest\":\"sha256:1\",\"Size\":527}}\n"
                .getBytes(StandardCharsets.UTF_8)), aux::add);
        assertThat(aux).singleElement().satisfies(a -> assertThat(a.path("Size").asInt()).isEqualTo(527));
        assertThat(bytes.size()).isZero();
    }

    private static JsonNode node(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
