package dev.skiff.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.engine.distribution.Credentials;
import dev.skiff.http.Exchange;

import java.util.Base64;
import java.util.Optional;

/** The {@code X-Registry-Auth} header of pull and push: base64url (padding optional) of {@code {"username","password","serveraddress"}}. */
final class RegistryAuthHeader {
    private RegistryAuthHeader() {
    }

    static Optional<Credentials> of(Exchange ex) {
        return ex.header("X-Registry-Auth").flatMap(RegistryAuthHeader::credentials);
    }

    static Optional<Credentials> credentials(String header) {
        if (header.isBlank()) {
            return Optional.empty();
        }
        try {
            String padded = header.strip().replace('+', '-').replace('/', '_');
            byte[] json = Base64.getUrlDecoder().decode(padded.replace("=", ""));
            JsonNode auth = EngineApi.JSON.readTree(json);
            String user = auth.path("username").asText("");
            String password = auth.path("password").asText("");
            if (user.isEmpty() && password.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Credentials(user, password));
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw ApiException.badRequest("the X-Registry-Auth header is not base64url-encoded JSON: " + e.getMessage());
        }
    }
}
