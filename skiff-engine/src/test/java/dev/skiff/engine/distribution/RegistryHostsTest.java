package dev.skiff.engine.distribution;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RegistryHostsTest {
    @Test
    void loopbackIsHttpOthersHttpsUnlessInsecure() {
        RegistryHosts hosts = new RegistryHosts(Set.of("Registry.Example:5000", "lan-registry"));
        assertThat(hosts.baseUrl("localhost:5000")).isEqualTo("http://localhost:5000");
        assertThat(hosts.baseUrl("127.0.0.2")).isEqualTo("http://127.0.0.2");
        assertThat(hosts.baseUrl("[::1]:5000")).isEqualTo("http://[::1]:5000");
        assertThat(hosts.baseUrl("registry.example:5000")).isEqualTo("http://registry.example:5000");
        assertThat(hosts.baseUrl("registry.example:5001")).isEqualTo("https://registry.example:5001");
        assertThat(hosts.baseUrl("lan-registry:443")).isEqualTo("http://lan-registry:443"); // a bare host covers every port
        assertThat(hosts.baseUrl("registry-1.docker.io")).isEqualTo("https://registry-1.docker.io");
        assertThat(RegistryHosts.DEFAULT.baseUrl("registry.example:5000")).isEqualTo("https://registry.example:5000");
    }

    @Test
    void anInsecureRegistryIsAHostNotAUrl() {
        assertThatThrownBy(() -> new RegistryHosts(Set.of("http://x:5000"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("HOST or HOST:PORT");
    }
}
