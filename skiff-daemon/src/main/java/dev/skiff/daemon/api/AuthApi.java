package dev.skiff.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.engine.distribution.Credentials;
import dev.skiff.engine.distribution.DistributionException;
import dev.skiff.engine.distribution.RegistryLogin;

import java.io.IOException;

/**
 * {@code POST /auth}: docker login's check. The daemon tries the credentials on the registry and
 * answers {@code {"IdentityToken":"","Status":"Login Succeeded"}}; it stores nothing (the CLI keeps
 * the credentials). Refused credentials are a 401 with dockerd's message, an unreachable registry a 502.
 */
final class AuthApi {
    private static final int MAX_BODY = 64 * 1024;
    private final RegistryLogin registry = new RegistryLogin();

    void login(dev.skiff.http.Exchange ex) throws InterruptedException {
        byte[] body = ex.readBody(MAX_BODY).orElseThrow(() -> ApiException.badRequest("the login request is larger than 64 KiB"));
        JsonNode auth;
        try {
            auth = EngineApi.JSON.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("the login request is not JSON: " + e.getMessage());
        }
        if (auth == null || !auth.isObject()) {
            throw ApiException.badRequest("the login request must be a JSON object with username, password and serveraddress");
        }
        String username = auth.path("username").asText("");
        String password = auth.path("password").asText("");
        String server = auth.path("serveraddress").asText("");
        if (username.isEmpty()) {
            throw ApiException.badRequest("Error: Non-null Username Required");
        }
        if (password.isEmpty()) {
            throw ApiException.badRequest("Error: Non-null Password Required");
        }
        try {
            registry.login(server, new Credentials(username, password));
        } catch (RegistryLogin.LoginRefused e) {
            throw new ApiException(401, e.getMessage());
        } catch (DistributionException e) {
            throw new ApiException(502, e.getMessage());
        }
        EngineApi.sendJson(ex, 200, EngineApi.JSON.createObjectNode().put("IdentityToken", "").put("Status", "Login Succeeded"));
    }
}
