package dev.skiff.engine.distribution;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AuthChallengeTest {

    @Test
    void parsesDistributionsBearerChallenge() {
        List<AuthChallenge> c = AuthChallenge.parse("Bearer realm=\"http://127.0.0.1:5000/token\",service=\"skiff-registry\","
                + "scope=\"repository:alice/multi:pull\"");
        assertThat(c).containsExactly(new AuthChallenge("bearer", Map.of("realm", "http://127.0.0.1:5000/token",
                "service", "skiff-registry", "scope", "repository:alice/multi:pull")));
    }

    @Test
    void parsesBasicAndSeveralChallengesInOneHeader() {
        List<AuthChallenge> c = AuthChallenge.parse("Basic realm=\"Registry Realm\", Bearer realm=\"https://auth.example/t\", service=x");
        assertThat(c).containsExactly(new AuthChallenge("basic", Map.of("realm", "Registry Realm")),
                new AuthChallenge("bearer", Map.of("realm", "https://auth.example/t", "service", "x")));
    }

    @Test
    void keepsCommasAndEscapesInsideQuotesAndLowerCasesNames() {
        List<AuthChallenge> c = AuthChallenge.parse("BEARER Realm=\"https://a/t\",Scope=\"repository:a/b:pull,push\",error=\"say \\\"hi\\\"\"");
        assertThat(c).hasSize(1);
        assertThat(c.getFirst().scheme()).isEqualTo("bearer");
        assertThat(c.getFirst().param("scope")).contains("repository:a/b:pull,push");
        assertThat(c.getFirst().param("error")).contains("say \"hi\"");
    }

    @Test
    void aSchemeWithoutParametersAndAnEmptyHeader() {
        assertThat(AuthChallenge.parse("Basic")).containsExactly(new AuthChallenge("basic", Map.of()));
        assertThat(AuthChallenge.parse("")).isEmpty();
    }

    @Test
    void loopbackRegistriesAreSpokenToOverPlainHttp() {
        assertThat(RegistryClient.isLoopback("127.0.0.1:5000")).isTrue();
        assertThat(RegistryClient.isLoopback("localhost:5000")).isTrue();
        assertThat(RegistryClient.isLoopback("[::1]:5000")).isTrue();
        assertThat(RegistryClient.isLoopback("registry-1.docker.io")).isFalse();
        assertThat(RegistryClient.isLoopback("127.example.com")).isFalse();
    }

    @Test
    void registryErrorsReadAsDockerPrintsThem() {
        byte[] body = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\",\"detail\":{}}]}".getBytes();
        assertThat(RegistryClient.ErrorBody.describe(body)).contains("manifest unknown: manifest unknown");
        assertThat(RegistryClient.ErrorBody.describe("not json".getBytes())).isEmpty();
    }
}
