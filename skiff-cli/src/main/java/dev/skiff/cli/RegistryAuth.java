package dev.skiff.cli;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * The client's registry credentials, kept as the docker CLI keeps them: {@code config.json} in
 * {@code $SKIFF_CONFIG} (else {@code ~/.skiff}) with {@code {"auths":{"HOST":{"auth":"base64(user:pass)"}}}},
 * mode 0600, replaced atomically; keys skiff does not know are kept. Commands that talk to a
 * registry through the daemon send {@link #headerFor} as {@code X-Registry-Auth}.
 */
public final class RegistryAuth {
    /** The key docker stores Docker Hub credentials under. */
    static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    RegistryAuth(Path file) {
        this.file = file;
    }

    /** The user's credentials file: {@code $SKIFF_CONFIG/config.json}, else {@code ~/.skiff/config.json}. */
    static RegistryAuth forUser() {
        String dir = System.getenv("SKIFF_CONFIG");
        Path folder = dir != null && !dir.isEmpty() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".skiff");
        return new RegistryAuth(folder.resolve("config.json"));
    }

    Path file() {
        return file;
    }

    /**
     * The {@code X-Registry-Auth} value for a registry host ({@code 127.0.0.1:5000}, {@code docker.io}):
     * base64url of {@code {"username","password","serveraddress"}}, or {@code ""} when there are no
     * credentials for it (send no header then).
     */
    public static String headerFor(String registryHost) {
        RegistryAuth auth = forUser();
        String key = key(registryHost);
        return auth.credentials(key).map(c -> encode(c, key)).orElse("");
    }

    /**
     * The {@code X-Registry-Config} value of a build: every stored login, base64url of {@code {"host":
     * {"username", "password", "serveraddress"}, ...}}, as the docker CLI sends it, so that a FROM of a
     * private image pulls with the user's credentials.
     */
    static String buildConfigHeader() {
        RegistryAuth auth = forUser();
        ObjectNode all = JSON.createObjectNode();
        auth.read().path("auths").properties().forEach(e -> auth.credentials(e.getKey()).ifPresent(c ->
                all.putObject(e.getKey()).put("username", c.username()).put("password", c.password()).put("serveraddress", e.getKey())));
        return Base64.getUrlEncoder().encodeToString(all.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** docker's ConvertToHostname, with Docker Hub's names all meaning its one key. */
    static String key(String serverAddress) {
        String s = serverAddress.strip();
        if (s.isEmpty()) {
            return DOCKER_HUB_KEY;
        }
        String host = s.replaceFirst("^(?i)https?://", "");
        int slash = host.indexOf('/');
        if (slash >= 0) {
            host = host.substring(0, slash);
        }
        String lower = host.toLowerCase(Locale.ROOT);
        if (lower.equals("docker.io") || lower.equals("index.docker.io") || lower.equals("registry-1.docker.io")) {
            return DOCKER_HUB_KEY;
        }
        return host;
    }

    record UserPassword(String username, String password) {
    }

    Optional<UserPassword> credentials(String key) {
        ObjectNode config = read();
        JsonNode auths = config.path("auths");
        JsonNode entry = auths.path(key);
        if (entry.isMissingNode()) {
            for (String alt : new String[] {"https://" + key, "http://" + key, "https://" + key + "/v1/", "https://" + key + "/v2/"}) {
                if (auths.has(alt)) {
                    entry = auths.get(alt);
                    break;
                }
            }
        }
        String encoded = entry.path("auth").asText("");
        if (!encoded.isEmpty()) {
            try {
                String decoded = new String(Base64.getDecoder().decode(encoded.strip()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                if (colon > 0) {
                    return Optional.of(new UserPassword(decoded.substring(0, colon), decoded.substring(colon + 1)));
                }
            } catch (IllegalArgumentException e) {
                throw new Cli.UserError("the credentials for " + key + " in " + file + " are not base64: log in again with skiff login " + key);
            }
        }
        String user = entry.path("username").asText("");
        String password = entry.path("password").asText("");
        return user.isEmpty() ? Optional.empty() : Optional.of(new UserPassword(user, password));
    }

    void store(String key, String username, String password) {
        ObjectNode config = read();
        JsonNode auths = config.path("auths");
        ObjectNode writable = auths.isObject() ? (ObjectNode) auths : config.putObject("auths");
        writable.putObject(key).put("auth", Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
        write(config);
    }

    /** Removes the key's credentials; false when there were none. */
    boolean remove(String key) {
        ObjectNode config = read();
        JsonNode auths = config.path("auths");
        if (!auths.isObject() || !auths.has(key)) {
            return false;
        }
        ((ObjectNode) auths).remove(key);
        write(config);
        return true;
    }

    static String encode(UserPassword c, String serverAddress) {
        ObjectNode json = JSON.createObjectNode().put("username", c.username()).put("password", c.password())
                .put("serveraddress", serverAddress);
        return Base64.getUrlEncoder().encodeToString(json.toString().getBytes(StandardCharsets.UTF_8));
    }

    private ObjectNode read() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return JSON.createObjectNode();
        } catch (IOException e) {
            throw new Cli.UserError("cannot read " + file + ": " + e.getMessage() + "; check its permissions");
        }
        if (bytes.length == 0 || new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new Cli.UserError(file + " is not a JSON object: fix or remove it, then log in again");
    }

    /** Stage in the same folder with mode 0600, fsync, rename: the file is whole or untouched. */
    private void write(ObjectNode config) {
        DefaultPrettyPrinter pretty = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER).withObjectEmptySeparator("").withArrayEmptySeparator(""))
                .withObjectIndenter(new DefaultIndenter("\t", "\n")).withArrayIndenter(new DefaultIndenter("\t", "\n"));
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            tmp = Files.createTempFile(dir, ".config.json.", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            byte[] bytes = JSON.writer(pretty).writeValueAsBytes(config);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            throw new Cli.UserError("cannot write " + file + ": " + e.getMessage() + "; check the folder's permissions and free space");
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }
}
