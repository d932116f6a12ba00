package dev.skiff.formats;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DigestTest {

    @Test
    void computesSha256AndSha512LikeSha256sumAndSha512sum() {
        byte[] hello = "hello\n".getBytes(StandardCharsets.UTF_8);
        assertThat(Digest.sha256(hello)).hasToString(
                "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03");
        assertThat(Digest.compute(Digest.Algorithm.SHA512, hello).toString()).startsWith("sha512:e7c22b994c59d9cf2b48e549b1e24666636045930d3da7c1acb299d1c3b7f931f94aae41edda2c2b207a36e10f8bcb8d45223e54878f5b316e7ce3b6bc019629");
    }

    @Test
    void parsesWhatItPrints() {
        String text = "sha512:" + "ab".repeat(64);
        assertThat(Digest.parse(text).toString()).isEqualTo(text);
        assertThat(Digest.parse(text).algorithm()).isEqualTo(Digest.Algorithm.SHA512);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "sha256", "sha256:", "sha256:abc", "SHA256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
            "sha256:5891B5B522D5DF086D0FF0B110FBD9D21BB4FC7163AF34D08286A2E846F6BE03",
            "md5:d41d8cd98f00b204e9800998ecf8427e", "sha256:../../../../etc/passwd",
            "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03/..",
            "sha512:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"})
    void refusesMalformedOrUnsupportedDigests(String text) {
        assertThatThrownBy(() -> Digest.parse(text)).isInstanceOf(InvalidDigestException.class)
                .hasMessageContaining("digest");
        assertThat(Digest.isValid(text)).isFalse();
    }

    @Test
    void matchesChecksContent() {
        byte[] a = {1, 2, 3};
        assertThat(Digest.sha256(a).matches(a)).isTrue();
        assertThat(Digest.sha256(a).matches(new byte[] {1, 2})).isFalse();
    }
}
