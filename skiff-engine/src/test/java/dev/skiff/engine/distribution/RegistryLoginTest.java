package dev.skiff.engine.distribution;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RegistryLoginTest {
    @Test
    void serverAddressesNameTheRegistryHostAsDockerdReadsThem() {
        assertThat(RegistryLogin.registryHost("")).isEqualTo("registry-1.docker.io");
        assertThat(RegistryLogin.registryHost("https://index.docker.io/v1/")).isEqualTo("registry-1.docker.io");
        assertThat(RegistryLogin.registryHost("docker.io")).isEqualTo("registry-1.docker.io");
        assertThat(RegistryLogin.registryHost("127.0.0.1:5000")).isEqualTo("127.0.0.1:5000");
        assertThat(RegistryLogin.registryHost("http://127.0.0.1:5000/v2/")).isEqualTo("127.0.0.1:5000");
        assertThat(RegistryLogin.registryHost("HTTPS://Registry.Example:443")).isEqualTo("registry.example:443");
    }
}
