package dev.skiff.formats;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DetachKeysTest {
    private static String filter(DetachKeys keys, String input) {
        byte[] in = input.getBytes(StandardCharsets.ISO_8859_1);
        return new String(keys.filter(in, 0, in.length), StandardCharsets.ISO_8859_1);
    }

    @Test
    void specsAsDockerWritesThem() {
        assertThat(DetachKeys.of(null).bytes()).containsExactly(0x10, 0x11);
        assertThat(DetachKeys.of("").bytes()).containsExactly(0x10, 0x11);
        assertThat(DetachKeys.of("ctrl-a,x").bytes()).containsExactly(0x01, 'x');
        assertThat(DetachKeys.of("Ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_").bytes()).containsExactly(0, 27, 28, 29, 30, 31);
    }

    @Test
    void badSpecsSayWhatIsWrong() {
        assertThatThrownBy(() -> DetachKeys.of("ctrl-1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Invalid detach keys (ctrl-1) provided: 'ctrl-1' is not a control key");
        assertThatThrownBy(() -> DetachKeys.of("ctrl-p,,ctrl-q")).hasMessageStartingWith("Invalid detach keys (ctrl-p,,ctrl-q) provided:");
        assertThatThrownBy(() -> DetachKeys.of("alt-x")).hasMessageContaining("neither one character nor ctrl-<key>");
    }

    @Test
    void theSequenceIsHeldBackAcrossReadsAndNeverSent() {
        DetachKeys keys = DetachKeys.of(null);
        assertThat(filter(keys, "ls\u0010")).isEqualTo("ls");
        assertThat(keys.detached()).isFalse();
        assertThat(filter(keys, "\u0011after")).isEmpty();
        assertThat(keys.detached()).isTrue();
    }

    @Test
    void aBrokenSequenceIsSentOnAndMayStartAgain() {
        DetachKeys keys = DetachKeys.of(null);
        assertThat(filter(keys, "\u0010a")).isEqualTo("\u0010a");
        assertThat(filter(keys, "\u0010\u0010")).isEqualTo("\u0010");
        assertThat(keys.detached()).isFalse();
        assertThat(filter(keys, "\u0011")).isEmpty();
        assertThat(keys.detached()).isTrue();
        DetachKeys single = DetachKeys.of("x");
        assertThat(filter(single, "abxcd")).isEqualTo("ab");
        assertThat(single.detached()).isTrue();
    }
}
