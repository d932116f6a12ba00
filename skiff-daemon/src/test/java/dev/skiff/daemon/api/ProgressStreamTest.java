package dev.skiff.daemon.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The progress bars dockerd sent in engine-push.md and engine-pull.md, character for character. */
class ProgressStreamTest {
    @Test
    void barsAreDockers() {
        assertThat(ProgressStream.bar(35840, 1982333))
                .isEqualTo("[>                                                  ]  35.84kB/1.982MB");
        assertThat(ProgressStream.bar(1996800, 1982333))
                .isEqualTo("[==================================================>]  1.997MB");
        assertThat(ProgressStream.bar(512, 224)).isEqualTo("[==================================================>]     512B");
        assertThat(ProgressStream.bar(1536, 0)).isEqualTo(" 1.536kB");
    }

    @Test
    void pushMessagesHaveDockersShape() {
        assertThat(ProgressStream.bytes("Pushing", "c8eb2553125b", 35840, 1982333).toString()).isEqualTo(
                "{\"status\":\"Pushing\",\"progressDetail\":{\"current\":35840,\"total\":1982333},"
                        + "\"progress\":\"[>                                                  ]  35.84kB/1.982MB\",\"id\":\"c8eb2553125b\"}");
        assertThat(ProgressStream.layer("Pushed", "d1e825ddf719").toString())
                .isEqualTo("{\"status\":\"Pushed\",\"progressDetail\":{},\"id\":\"d1e825ddf719\"}");
    }
}
