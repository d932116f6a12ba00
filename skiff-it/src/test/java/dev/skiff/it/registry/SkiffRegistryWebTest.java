package dev.skiff.it.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.it.support.BuiltImage;
import dev.skiff.it.support.BuiltIndex;
import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.OciLayout;
import dev.skiff.it.support.TestImages;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry's web pages and their JSON API on a real {@code skiff registry serve}, with images pushed by
 * the real skopeo: what the pages show matches what was pushed, and a private repository is closed to
 * everyone else on the pages, the API and to skopeo.
 */
class SkiffRegistryWebTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    /** Signs in through the JSON API; returns {cookie header, CSRF token}. */
    String[] signIn(String base, String user, String password) throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/session")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        return new String[] {cookie, JSON.readTree(r.body()).get("csrf_token").asText()};
    }

    HttpResponse<String> send(String base, String[] session, String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (session != null) {
            b.header("Cookie", session[0]).header("X-CSRF-Token", session[1]);
        }
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void pushedImagesShowUpWithTheirDigestsAndPrivateOnesAreClosedToOthers() throws Exception {
        OciLayout layout = OciLayout.create(tmp.resolve("layout"));
        BuiltImage image = TestImages.busyboxMultiLayer(layout, 71);
        BuiltIndex index = TestImages.multiArch(layout, 72);
        layout.tag("image", image).tag("index", index);
        Path htpasswd = Pulled.apacheHtpasswd(tmp.resolve("htpasswd"), "alice", "alice-pw", "bob", "bob-pw");
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("root")).htpasswd(htpasswd).start()) {
            String base = "http://" + registry.address();
            Skopeo skopeo = new Skopeo(tmp.resolve("skopeo"));
            String[] alice = signIn(base, "alice", "alice-pw");
            var created = send(base, alice, "POST", "/api/repositories",
                    "{\"name\":\"web\",\"description\":\"pushed by skopeo\",\"visibility\":\"public\"}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

            skopeo.copy(layout.reference("image"), registry.ref("alice/web:1"), Skopeo.destCreds("alice", "alice-pw"))
                    .assertSuccess();
            skopeo.copy(layout.reference("index"), registry.ref("alice/web:multi"), "--all",
                    Skopeo.destCreds("alice", "alice-pw")).assertSuccess();

            JsonNode repo = JSON.readTree(send(base, alice, "GET", "/api/repositories/alice/web", null).body());
            assertThat(repo.get("tags")).hasSize(2);
            JsonNode one = repo.get("tags").get(0);
            assertThat(one.get("name").asText()).isEqualTo("1");
            assertThat(one.get("digest").asText()).isEqualTo(image.manifestDigest());
            assertThat(one.get("pushedBy").asText()).isEqualTo("alice");
            JsonNode multi = repo.get("tags").get(1);
            assertThat(multi.get("digest").asText()).isEqualTo(index.indexDigest());
            List<String> platforms = new ArrayList<>();
            multi.get("platforms").forEach(p -> platforms.add(p.asText()));
            assertThat(platforms).containsExactlyInAnyOrder("linux/amd64", "linux/arm64");

            JsonNode tag = JSON.readTree(send(base, alice, "GET", "/api/repositories/alice/web/tags/1", null).body());
            JsonNode layers = tag.get("images").get(0).get("layers");
            assertThat(layers).hasSize(image.layers().size());
            for (int i = 0; i < layers.size(); i++) {
                assertThat(layers.get(i).get("digest").asText()).isEqualTo(image.layerDigests().get(i));
            }
            assertThat(tag.get("images").get(0).get("labels").get("dev.skiff.it.image").asText()).isEqualTo("busybox-multi-71");
            JsonNode multiTag = JSON.readTree(send(base, alice, "GET", "/api/repositories/alice/web/tags/multi", null).body());
            assertThat(multiTag.get("images")).hasSize(index.images().size());

            var page = send(base, alice, "GET", "/r/alice/web", null);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("title=\"" + image.manifestDigest() + "\"")
                    .contains("docker pull " + registry.address() + "/alice/web");
            var tagPage = send(base, alice, "GET", "/r/alice/web/tags/1", null);
            assertThat(tagPage.body()).contains(image.manifestDigest()).contains("Layers (" + image.layers().size() + ")");

            var priv = send(base, alice, "PATCH", "/api/repositories/alice/web", "{\"visibility\":\"private\"}");
            assertThat(priv.statusCode()).as(priv.body()).isEqualTo(200);

            String[] bob = signIn(base, "bob", "bob-pw");
            assertThat(send(base, bob, "GET", "/api/repositories", null).body()).doesNotContain("alice/web");
            assertThat(send(base, bob, "GET", "/api/repositories/alice/web", null).statusCode()).isEqualTo(404);
            assertThat(send(base, bob, "GET", "/r/alice/web", null).statusCode()).isEqualTo(404);
            CommandResult bobPull = skopeo.inspectRaw(registry.ref("alice/web:1"), Skopeo.creds("bob", "bob-pw")).assertFailure();
            assertThat(bobPull.stderr()).as(bobPull.describe()).containsPattern("(?i)unknown|not found|denied|unauthori[sz]ed");
            skopeo.inspectRaw(registry.ref("alice/web:1")).assertFailure();
            CommandResult alicePull = skopeo.inspectRaw(registry.ref("alice/web:1"), Skopeo.creds("alice", "alice-pw"))
                    .assertSuccess();
            assertThat(alicePull.stdout().strip()).isEqualTo(new String(image.manifest(), java.nio.charset.StandardCharsets.UTF_8).strip());

            assertThat(send(base, alice, "DELETE", "/api/repositories/alice/web/tags/1", null).statusCode()).isEqualTo(204);
            skopeo.inspectRaw(registry.ref("alice/web:1"), Skopeo.creds("alice", "alice-pw")).assertFailure();
            assertThat(skopeo.tags(registry.ref("alice/web"), Skopeo.creds("alice", "alice-pw"))).containsExactly("multi");
        }
    }

    @Test
    void aSessionOutlivesARestartOfTheRegistryAndSignOutEndsItForGood() throws Exception {
        Path htpasswd = Pulled.apacheHtpasswd(tmp.resolve("htpasswd"), "alice", "alice-pw");
        String[] alice;
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("root")).htpasswd(htpasswd).start()) {
            alice = signIn("http://" + registry.address(), "alice", "alice-pw");
        }
        try (java.util.stream.Stream<Path> stored = java.nio.file.Files.walk(tmp.resolve("root"))) {
            assertThat(stored.map(Path::toString)).as("the cookie's value is stored nowhere")
                    .noneMatch(p -> p.contains(alice[0].substring(alice[0].indexOf('=') + 1)));
        }
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("root")).htpasswd(htpasswd).start()) {
            String base = "http://" + registry.address();
            var who = send(base, alice, "GET", "/api/session", null);
            assertThat(who.statusCode()).as(who.body()).isEqualTo(200);
            assertThat(JSON.readTree(who.body()).path("user").asText()).isEqualTo("alice");
            var created = send(base, alice, "POST", "/api/repositories", "{\"name\":\"kept\",\"visibility\":\"public\"}");
            assertThat(created.statusCode()).as("the CSRF token survived with it: " + created.body()).isEqualTo(201);
            assertThat(send(base, alice, "DELETE", "/api/session", null).statusCode()).isIn(200, 204);
        }
        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("root")).htpasswd(htpasswd).start()) {
            assertThat(send("http://" + registry.address(), alice, "GET", "/api/session", null).statusCode())
                    .as("signed out before the restart: still out").isEqualTo(401);
        }
    }
}
