package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RegistryAuthTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void storesInDockersFormatKeepsUnknownKeysAndIsPrivate() throws Exception {
        Path file = tmp.resolve("cfg/config.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"credsStore\":\"\",\"proxies\":{\"default\":{\"httpProxy\":\"x\"}}}");
        RegistryAuth auth = new RegistryAuth(file);
        auth.store("127.0.0.1:5000", "alice", "p:w");
        String text = Files.readString(file);
        assertThat(text).contains("\t\"auths\": {\n\t\t\"127.0.0.1:5000\": {\n\t\t\t\"auth\": \""
                + Base64.getEncoder().encodeToString("alice:p:w".getBytes(StandardCharsets.UTF_8)) + "\"");
        JsonNode json = JSON.readTree(text);
        assertThat(json.path("proxies").path("default").path("httpProxy").asText()).isEqualTo("x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(auth.credentials("127.0.0.1:5000")).contains(new RegistryAuth.UserPassword("alice", "p:w"));

        assertThat(auth.remove("127.0.0.1:5000")).isTrue();
        assertThat(auth.remove("127.0.0.1:5000")).isFalse();
        assertThat(Files.readString(file)).contains("\"auths\": {}");
        assertThat(JSON.readTree(file.toFile()).path("proxies").isObject()).isTrue();
    }

    @Test
    void serverAddressesNormalizeAsDockersDo() {
        assertThat(RegistryAuth.key("")).isEqualTo("https://index.docker.io/v1/");
        assertThat(RegistryAuth.key("docker.io")).isEqualTo("https://index.docker.io/v1/");
        assertThat(RegistryAuth.key("https://index.docker.io/v1/")).isEqualTo("https://index.docker.io/v1/");
        assertThat(RegistryAuth.key("http://127.0.0.1:5000/v2/")).isEqualTo("127.0.0.1:5000");
        assertThat(RegistryAuth.key("registry.example:443")).isEqualTo("registry.example:443");
    }

    @Test
    void theHeaderIsBase64UrlJsonWithTheServerAddress() throws Exception {
        String header = RegistryAuth.encode(new RegistryAuth.UserPassword("alice", "?>?>"), "127.0.0.1:5000");
        assertThat(header).doesNotContain("+").doesNotContain("/");
        JsonNode json = JSON.readTree(Base64.getUrlDecoder().decode(header));
        assertThat(json.path("username").asText()).isEqualTo("alice");
        assertThat(json.path("password").asText()).isEqualTo("?>?>");
        assertThat(json.path("serveraddress").asText()).isEqualTo("127.0.0.1:5000");
    }

    @Test
    void aBrokenFileIsOneClearError() throws Exception {
        Path file = tmp.resolve("config.json");
        Files.writeString(file, "[not an object");
        assertThatThrownBy(() -> new RegistryAuth(file).credentials("x")).isInstanceOf(Cli.UserError.class)
                .hasMessageContaining("is not a JSON object");
        Files.writeString(file, "{\"auths\":{\"x\":{\"auth\":\"%%%\"}}}");
        assertThatThrownBy(() -> new RegistryAuth(file).credentials("x")).hasMessageContaining("not base64");
    }
}
