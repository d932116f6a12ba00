package dev.skiff.cli;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The {@code X-Registry-Auth} header the CLI sends with pull and push: base64url of docker's
 * {@code {"username","password","serveraddress"}}.
 * <p>
 * For now every registry gets the empty auth ({@code {}}), as docker sends when it has no login for
 * the registry; once {@code skiff login} stores credentials (config.json), this is the one place that
 * looks them up.
 */
final class RegistryAuth {
    private RegistryAuth() {
    }

    /** The header value for {@code registryHost} ({@code localhost:5000}, {@code docker.io}). */
    static String headerFor(String registryHost) {
        return Base64.getUrlEncoder().encodeToString("{}".getBytes(StandardCharsets.UTF_8));
    }
}
