package dev.skiff.registry.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.formats.Digest;
import dev.skiff.registry.Registry;
import dev.skiff.registry.RegistryOptions;
import dev.skiff.registry.auth.Htpasswd;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A registry with accounts alice, bob and root (admin) on loopback, and browser-like clients for it. */
final class WebTestSupport implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final Registry registry;
    final String base;
    final Path htpasswd;

    WebTestSupport(Path temp, boolean anonymousPull) throws Exception {
        this(temp, anonymousPull, true);
    }

    /** Without {@code accounts} the registry has no htpasswd file: auth is off. */
    WebTestSupport(Path temp, boolean anonymousPull, boolean accounts) throws Exception {
        htpasswd = temp.resolve("htpasswd");
        Htpasswd.putUser(htpasswd, "alice", "alice-pw".toCharArray());
        Htpasswd.putUser(htpasswd, "bob", "bob-pw".toCharArray());
        Htpasswd.putUser(htpasswd, "root", "root-pw".toCharArray());
        registry = Registry.start(new RegistryOptions(new InetSocketAddress("127.0.0.1", 0), temp.resolve("root"),
                accounts ? Optional.of(htpasswd) : Optional.empty(), Set.of("root"), anonymousPull, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty()));
        base = "http://127.0.0.1:" + registry.address().getPort();
    }

    @Override
    public void close() {
        registry.close();
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** One browser (or script): keeps the session cookie it is given, never follows redirects. */
    final class Client {
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        String csrf = "";
        /** The cookie jar: name to value. Paths are ignored; the registry's cookies do not clash. */
        final java.util.Map<String, String> cookies = new java.util.LinkedHashMap<>();

        HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                    body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (headers.length > 0) {
                b.headers(headers);
            }
            if (!cookies.isEmpty()) {
                b.header("Cookie", String.join("; ", cookies.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue()).toList()));
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            for (String c : r.headers().allValues("Set-Cookie")) {
                String pair = c.split(";", 2)[0];
                int eq = pair.indexOf('=');
                if (eq == pair.length() - 1 || c.contains("Max-Age=0")) {
                    cookies.remove(pair.substring(0, eq));
                } else {
                    cookies.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
            return r;
        }

        HttpResponse<String> get(String path, String... headers) throws Exception {
            return send("GET", path, null, headers);
        }

        /** JSON with the session's CSRF token. */
        HttpResponse<String> json(String method, String path, String body) throws Exception {
            return send(method, path, body, "Content-Type", "application/json", WebSite.CSRF_HEADER, csrf);
        }

        HttpResponse<String> form(String path, String body) throws Exception {
            return send("POST", path, body, "Content-Type", "application/x-www-form-urlencoded");
        }

        Client signIn(String user, String password) throws Exception {
            var r = send("POST", "/api/session", "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}",
                    "Content-Type", "application/json");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            csrf = JSON.readTree(r.body()).get("csrf_token").asText();
            assertThat(csrf).hasSizeGreaterThan(20);
            return this;
        }
    }

    Client client() {
        return new Client();
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    static String errorCode(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).path("error").path("code").asText();
    }

    /** What {@link #pushImage} pushed. */
    record Pushed(Digest manifest, Digest config, List<Digest> layers, long size) {
    }

    /**
     * Pushes an image with {@code layers} layers over the registry API with Basic credentials, as a script
     * would; {@code configJson} is the image config's "config" object.
     */
    Pushed pushImage(String user, String password, String repo, String tag, String configJson, int layers)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String auth = basic(user, password);
        StringBuilder history = new StringBuilder();
        StringBuilder diffIds = new StringBuilder();
        StringBuilder layerJson = new StringBuilder();
        List<Digest> layerDigests = new java.util.ArrayList<>();
        long size = 0;
        for (int i = 0; i < layers; i++) {
            byte[] content = ("layer " + i + " of " + repo + ":" + tag + " " + System.nanoTime()).getBytes(StandardCharsets.UTF_8);
            Digest d = pushBlob(http, auth, repo, content);
            layerDigests.add(d);
            size += content.length;
            history.append(i == 0 ? "" : ",").append("{\"created\":\"2026-01-0").append(i + 1)
                    .append("T10:00:00Z\",\"created_by\":\"RUN step-").append(i).append("\"}");
            diffIds.append(i == 0 ? "" : ",").append('"').append(d).append('"');
            layerJson.append(i == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                    + "\"digest\":\"").append(d).append("\",\"size\":").append(content.length).append('}');
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2026-01-05T10:00:00Z\",\"config\":"
                + configJson + ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]},\"history\":["
                + history + "]}").getBytes(StandardCharsets.UTF_8);
        Digest configDigest = pushBlob(http, auth, repo, config);
        size += config.length;
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length + "},\"layers\":[" + layerJson + "]}";
        var r = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/manifests/" + tag))
                .PUT(HttpRequest.BodyPublishers.ofString(manifest))
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json").header("Authorization", auth)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        Digest digest = Digest.sha256(manifest.getBytes(StandardCharsets.UTF_8));
        assertThat(r.headers().firstValue("Docker-Content-Digest")).contains(digest.toString());
        return new Pushed(digest, configDigest, layerDigests, size);
    }

    /** Pushes an artifact (a signature, say) whose subject is {@code subject}; returns its digest. */
    Digest pushReferrer(String user, String password, String repo, Digest subject, long subjectSize,
                        String artifactType) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String auth = basic(user, password);
        byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);
        Digest emptyDigest = pushBlob(http, auth, repo, empty);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"artifactType\":\"" + artifactType + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + emptyDigest + "\",\"size\":2},\"layers\":[{"
                + "\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + emptyDigest + "\",\"size\":2}],"
                + "\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + subject
                + "\",\"size\":" + subjectSize + "}}";
        Digest digest = Digest.sha256(manifest.getBytes(StandardCharsets.UTF_8));
        var r = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/manifests/" + digest))
                .PUT(HttpRequest.BodyPublishers.ofString(manifest))
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json").header("Authorization", auth)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return digest;
    }

    private Digest pushBlob(HttpClient http, String auth, String repo, byte[] content) throws Exception {
        Digest d = Digest.sha256(content);
        var r = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/blobs/uploads/?digest=" + d))
                .POST(HttpRequest.BodyPublishers.ofByteArray(content)).header("Authorization", auth).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return d;
    }
}
