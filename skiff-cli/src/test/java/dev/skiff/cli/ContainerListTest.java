package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** ps output from a recorded {@code GET /containers/json} answer, byte for byte against docker 28's own. */
class ContainerListTest {
    private static JsonNode json(String text) throws Exception {
        return ImageCommands.JSON.readTree(text);
    }

    @Test
    void defaultTableIsDockersByteForByte() throws Exception {
        JsonNode list = CreateBodyTest.trace("containers-json.json");
        String expected;
        try (InputStream in = getClass().getResourceAsStream("/docker-traces/ps-stdout.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // the trace's container was created 5 seconds before docker ps ran
        Instant now = Instant.ofEpochSecond(list.get(0).path("Created").asLong() + 5);
        assertThat(ContainerList.render(list, null, false, false, false, now)).isEqualTo(expected);
        assertThat(ContainerList.render(list, "table", false, false, false, now)).isEqualTo(expected);
    }

    @Test
    void quietNoTruncAndFormats() throws Exception {
        JsonNode list = CreateBodyTest.trace("containers-json.json");
        Instant now = Instant.ofEpochSecond(list.get(0).path("Created").asLong() + 5);
        assertThat(ContainerList.render(list, null, true, false, false, now)).isEqualTo("8fc49927ba5c\n");
        assertThat(ContainerList.render(list, null, true, true, false, now))
                .isEqualTo("8fc49927ba5ce0d972c1d5a19be309a6dd875fe9367c8b09192085f3bbd7cb50\n");
        assertThat(ContainerList.render(list, "{{.Names}} {{.Status}} {{.Command}}", false, true, false, now))
                .isEqualTo("serene_villani Up 4 seconds \"httpd -f -p 3000 -h /app\"\n");
        assertThat(ContainerList.render(list, "{{.ID}}\t{{.Ports}}", false, false, false, now))
                .isEqualTo("8fc49927ba5c\t0.0.0.0:3000->3000/tcp, [::]:3000->3000/tcp\n");
        assertThat(ContainerList.render(list, "table {{.Names}}\t{{.RunningFor}}", false, false, false, now))
                .isEqualTo("NAMES            CREATED\nserene_villani   5 seconds ago\n");
        assertThat(ContainerList.render(json("[]"), null, false, false, false, now))
                .isEqualTo("CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n");
    }

    @Test
    void labelTakesAKeyAndJsonLeavesTheMethodOut() throws Exception {
        JsonNode list = json("[{\"Id\":\"abc\",\"Names\":[\"/web\"],\"Labels\":{\"tier\":\"front\",\"a\":\"1\"},\"Created\":0}]");
        assertThat(ContainerList.render(list, "{{.Label \"tier\"}}|{{.Label \"none\"}}|{{.Labels}}", false, false, false, Instant.EPOCH))
                .isEqualTo("front||a=1,tier=front\n");
        assertThat(ContainerList.render(list, "{{json .}}", false, false, false, Instant.EPOCH)).doesNotContain("\"Label\":").contains("\"Labels\":\"a=1,tier=front\"");
        // docker 28 heads the column with the key's last part, - and _ as spaces (checked with its CLI)
        assertThat(ContainerList.render(list, "table {{.Label \"tier\"}}\t{{.Names}}", false, false, false, Instant.EPOCH))
                .isEqualTo("tier      NAMES\nfront     web\n");
        assertThat(ContainerList.render(list, "table {{.Label \"com.example-a.b_c\"}}\t{{.Names}}", false, false, false, Instant.EPOCH))
                .isEqualTo("b c       NAMES\n          web\n");
    }

    @Test
    void portsAreGroupedAsDockerDoes() throws Exception {
        assertThat(ContainerList.ports(json("[]"))).isEmpty();
        assertThat(ContainerList.ports(json("[{\"PrivatePort\":80,\"Type\":\"tcp\"}]"))).isEqualTo("80/tcp");
        assertThat(ContainerList.ports(json("""
                [{"IP":"0.0.0.0","PrivatePort":8001,"PublicPort":8001,"Type":"tcp"},
                 {"IP":"0.0.0.0","PrivatePort":8000,"PublicPort":8000,"Type":"tcp"},
                 {"IP":"0.0.0.0","PrivatePort":8002,"PublicPort":8002,"Type":"tcp"}]""")))
                .isEqualTo("0.0.0.0:8000-8002->8000-8002/tcp");
        assertThat(ContainerList.ports(json("""
                [{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":32768,"Type":"tcp"},
                 {"IP":"::","PrivatePort":80,"PublicPort":32768,"Type":"tcp"},
                 {"PrivatePort":443,"Type":"tcp"},
                 {"PrivatePort":53,"Type":"udp"}]""")))
                .isEqualTo("53/udp, 443/tcp, 0.0.0.0:32768->80/tcp, [::]:32768->80/tcp");
        assertThat(ContainerList.ports(json("""
                [{"PrivatePort":80,"Type":"tcp"},{"PrivatePort":81,"Type":"tcp"},{"PrivatePort":83,"Type":"tcp"}]""")))
                .isEqualTo("80-81/tcp, 83/tcp");
    }

    @Test
    void commandsAreQuotedAndCutAtTwentyColumns() {
        assertThat(ContainerList.command("httpd -f -p 3000 -h /app", true)).isEqualTo("\"httpd -f -p 3000 -h…\"");
        assertThat(ContainerList.command("sh", true)).isEqualTo("\"sh\"");
        assertThat(ContainerList.command("echo \"hi\"", true)).isEqualTo("\"echo \\\"hi\\\"\"");
        assertThat(ContainerList.command("12345678901234567890", true)).isEqualTo("\"12345678901234567890\"");
        assertThat(ContainerList.command("123456789012345678901", false)).isEqualTo("\"123456789012345678901\"");
    }

    @Test
    void statusIsTheDaemonsTextAndNamesLoseTheirSlash() throws Exception {
        for (String status : new String[] {"Up 3 seconds", "Exited (0) 5 seconds ago", "Created", "Up 2 minutes (healthy)", "Up 1 second (Paused)"}) {
            JsonNode list = json("[{\"Id\":\"abc\",\"Names\":[\"/web\",\"/other/alias\"],\"Status\":\"" + status + "\",\"Created\":0}]");
            assertThat(ContainerList.render(list, "{{.Names}}|{{.Status}}", false, false, false, Instant.EPOCH)).isEqualTo("web|" + status + "\n");
        }
        assertThat(ContainerList.image("sha256:10a6c4699500244934ae46ee580ccb7e5de1", true)).isEqualTo("10a6c4699500");
        assertThat(ContainerList.image("busybox@sha256:abcd", true)).isEqualTo("busybox");
    }
}
