package dev.skiff.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** inspect's JSON layout: Go's json.Indent with four spaces, empty arrays and objects closed at once. */
class GoJsonIndentTest {
    @Test
    void indentsAsGo() throws Exception {
        String json = "[{\"Id\":\"x\",\"Args\":[],\"Labels\":{},\"Env\":[\"A=1\"],\"Config\":{\"Tty\":false,\"Cmd\":null}}]";
        assertThat(GoJsonIndent.format(ImageCommands.JSON.readTree(json))).isEqualTo("""
                [
                    {
                        "Id": "x",
                        "Args": [],
                        "Labels": {},
                        "Env": [
                            "A=1"
                        ],
                        "Config": {
                            "Tty": false,
                            "Cmd": null
                        }
                    }
                ]""");
        assertThat(GoJsonIndent.format(ImageCommands.JSON.createArrayNode())).isEqualTo("[]");
    }
}
