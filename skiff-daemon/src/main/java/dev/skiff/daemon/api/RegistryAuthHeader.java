package dev.skiff.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.engine.distribution.Credentials;
import dev.skiff.http.Exchange;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The registry credentials the docker CLI sends: {@code X-Registry-Auth} of pull and push, base64url
 * (padding optional) of {@code {"username","password","serveraddress"}}, and {@code X-Registry-Config}
 * of a build, the same for every stored login, by registry.
 */
final class RegistryAuthHeader {
    private RegistryAuthHeader() {
    }

    static Optional<Credentials> of(Exchange ex) {
        return ex.header("X-Registry-Auth").flatMap(RegistryAuthHeader::credentials);
    }

    static Optional<Credentials> credentials(String header) {
        return header.isBlank() ? Optional.empty() : credentials(decode(header, "X-Registry-Auth"), "X-Registry-Auth");
    }

    /**
     * {@code X-Registry-Config}: {@code {"localhost:5000": {"username": ..., "password": ...}, ...}}, by
     * the registry's domain (Docker Hub's index URL as {@code docker.io}), logins without a user left out.
     */
    static Map<String, Credentials> config(Exchange ex) {
        Optional<String> header = ex.header("X-Registry-Config").filter(h -> !h.isBlank());
        Map<String, Credentials> out = new LinkedHashMap<>();
        if (header.isPresent()) {
            decode(header.get(), "X-Registry-Config").properties().forEach(entry -> credentials(entry.getValue(),
                    "X-Registry-Config entry for " + entry.getKey()).ifPresent(c -> {
                String domain = entry.getKey().replaceFirst("^https?://", "").replaceFirst("/.*$", "");
                out.put(domain.equals("index.docker.io") ? "docker.io" : domain, c);
            }));
        }
        return out;
    }

    private static JsonNode decode(String header, String name) {
        try {
            String urlSafe = header.strip().replace('+', '-').replace('/', '_').replace("=", "");
            return EngineApi.JSON.readTree(Base64.getUrlDecoder().decode(urlSafe));
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw ApiException.badRequest("the " + name + " header is not base64url-encoded JSON: " + e.getMessage());
        }
    }

    /** {@code username} and {@code password}, or {@code auth} holding base64 of {@code user:password}, as docker's config file keeps them. */
    private static Optional<Credentials> credentials(JsonNode auth, String what) {
        String user = auth.path("username").asText("");
        String password = auth.path("password").asText("");
        String pair = auth.path("auth").asText("");
        if (user.isEmpty() && !pair.isEmpty()) {
            try {
                pair = new String(Base64.getDecoder().decode(pair.strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("the " + what + " has an auth that is not base64 of user:password");
            }
            int colon = pair.indexOf(':');
            user = colon < 0 ? pair : pair.substring(0, colon);
            password = colon < 0 ? "" : pair.substring(colon + 1);
        }
        return user.isEmpty() && password.isEmpty() ? Optional.empty() : Optional.of(new Credentials(user, password));
    }
}
