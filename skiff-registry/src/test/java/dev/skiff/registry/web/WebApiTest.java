package dev.skiff.registry.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.formats.Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.skiff.registry.web.WebTestSupport.basic;
import static dev.skiff.registry.web.WebTestSupport.errorCode;
import static dev.skiff.registry.web.WebTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The JSON API behind the web pages, over real HTTP against a registry with accounts. */
class WebApiTest {
    static final String CONFIG = """
            {"Entrypoint":["/bin/app","--serve"],"Cmd":["--port","8080"],"Env":["PATH=/usr/bin","MODE=prod"],
             "ExposedPorts":{"8080/tcp":{}},"Labels":{"org.opencontainers.image.title":"demo"},"WorkingDir":"/srv"}""";

    @TempDir
    Path temp;
    WebTestSupport registry;

    @AfterEach
    void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    WebTestSupport start(boolean anonymousPull) throws Exception {
        registry = new WebTestSupport(temp, anonymousPull);
        return registry;
    }

    @Test
    void createPushAndSeeTheTagWithItsDigestLayersAndConfig() throws Exception {
        start(true);
        var alice = registry.client().signIn("alice", "alice-pw");
        var created = alice.json("POST", "/api/repositories",
                "{\"name\":\"app\",\"description\":\"The demo app\",\"visibility\":\"public\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(json(created).get("name").asText()).isEqualTo("alice/app");
        assertThat(created.headers().firstValue("Location")).contains("/api/repositories/alice/app");

        var pushed = registry.pushImage("alice", "alice-pw", "alice/app", "v1", CONFIG, 3);
        Digest signature = registry.pushReferrer("alice", "alice-pw", "alice/app", pushed.manifest(), 400,
                "application/vnd.example.signature");

        var repo = alice.get("/api/repositories/alice/app");
        assertThat(repo.statusCode()).as(repo.body()).isEqualTo(200);
        JsonNode r = json(repo);
        assertThat(r.get("description").asText()).isEqualTo("The demo app");
        assertThat(r.get("visibility").asText()).isEqualTo("public");
        assertThat(r.get("createdBy").asText()).isEqualTo("alice");
        assertThat(r.get("canEdit").asBoolean()).isTrue();
        assertThat(r.get("tags")).hasSize(1);
        JsonNode tag = r.get("tags").get(0);
        assertThat(tag.get("name").asText()).isEqualTo("v1");
        assertThat(tag.get("digest").asText()).isEqualTo(pushed.manifest().toString());
        assertThat(tag.get("size").asLong()).isEqualTo(pushed.size());
        assertThat(tag.get("platforms").get(0).asText()).isEqualTo("linux/amd64");
        assertThat(tag.get("pushedBy").asText()).isEqualTo("alice");
        assertThat(tag.get("pushedAt").asText()).endsWith("Z");

        var detail = alice.get("/api/repositories/alice/app/tags/v1");
        assertThat(detail.statusCode()).as(detail.body()).isEqualTo(200);
        JsonNode d = json(detail);
        assertThat(d.get("digest").asText()).isEqualTo(pushed.manifest().toString());
        JsonNode image = d.get("images").get(0);
        assertThat(image.get("configDigest").asText()).isEqualTo(pushed.config().toString());
        assertThat(image.get("layers")).hasSize(3);
        List<String> layerDigests = new ArrayList<>();
        image.get("layers").forEach(l -> layerDigests.add(l.get("digest").asText()));
        assertThat(layerDigests).containsExactlyElementsOf(pushed.layers().stream().map(Digest::toString).toList());
        assertThat(image.get("entrypoint").toString()).isEqualTo("[\"/bin/app\",\"--serve\"]");
        assertThat(image.get("cmd").toString()).isEqualTo("[\"--port\",\"8080\"]");
        assertThat(image.get("env").toString()).contains("MODE=prod");
        assertThat(image.get("exposedPorts").toString()).isEqualTo("[\"8080/tcp\"]");
        assertThat(image.get("labels").get("org.opencontainers.image.title").asText()).isEqualTo("demo");
        assertThat(image.get("history").get(2).get("createdBy").asText()).isEqualTo("RUN step-2");
        assertThat(d.get("referrers")).hasSize(1);
        assertThat(d.get("referrers").get(0).get("digest").asText()).isEqualTo(signature.toString());
        assertThat(d.get("referrers").get(0).get("artifactType").asText()).isEqualTo("application/vnd.example.signature");

        // bob sees the public repository but may not change it
        var bob = registry.client().signIn("bob", "bob-pw");
        assertThat(json(bob.get("/api/repositories/alice/app")).get("canEdit").asBoolean()).isFalse();
        var bobDelete = bob.json("DELETE", "/api/repositories/alice/app/tags/v1", null);
        assertThat(bobDelete.statusCode()).isEqualTo(403);
        assertThat(json(bobDelete).path("error").path("message").asText()).contains("only user alice and admins");
    }

    @Test
    void aPrivateRepositoryIsInvisibleAndUnpullableForOthers() throws Exception {
        start(true);
        var alice = registry.client().signIn("alice", "alice-pw");
        assertThat(alice.json("POST", "/api/repositories", "{\"name\":\"secret\"}").statusCode()).isEqualTo(201);
        var pushed = registry.pushImage("alice", "alice-pw", "alice/secret", "latest", CONFIG, 1);
        // bob got a pull token while it was public
        String bobToken = bearer("bob", "bob-pw", "repository:alice/secret:pull");
        var manifestPath = "/v2/alice/secret/manifests/latest";
        var other = registry.client();
        assertThat(other.get(manifestPath, "Authorization", bobToken).statusCode()).isEqualTo(200);

        var patch = alice.json("PATCH", "/api/repositories/alice/secret", "{\"visibility\":\"private\"}");
        assertThat(patch.statusCode()).as(patch.body()).isEqualTo(200);
        assertThat(json(patch).get("visibility").asText()).isEqualTo("private");

        var bob = registry.client().signIn("bob", "bob-pw");
        assertThat(names(bob.get("/api/repositories"))).doesNotContain("alice/secret");
        assertThat(names(registry.client().get("/api/repositories"))).doesNotContain("alice/secret");
        var hidden = bob.get("/api/repositories/alice/secret");
        assertThat(hidden.statusCode()).isEqualTo(404);
        assertThat(bob.get("/api/repositories/alice/secret/tags/latest").statusCode()).isEqualTo(404);
        // the registry API: to bob it is as if it did not exist, with the old token, a new one or Basic
        assertThat(other.get(manifestPath, "Authorization", bobToken).statusCode()).isEqualTo(404);
        assertThat(other.get(manifestPath, "Authorization", bearer("bob", "bob-pw", "repository:alice/secret:pull"))
                .statusCode()).isEqualTo(404);
        var basicPull = other.get(manifestPath, "Authorization", basic("bob", "bob-pw"));
        assertThat(basicPull.statusCode()).isEqualTo(404);
        assertThat(basicPull.body()).contains("NAME_UNKNOWN");
        assertThat(other.get("/v2/alice/secret/blobs/" + pushed.layers().getFirst(), "Authorization",
                basic("bob", "bob-pw")).statusCode()).isEqualTo(404);
        assertThat(other.get(manifestPath).statusCode()).isEqualTo(401);
        var catalog = other.get("/v2/_catalog", "Authorization", basic("bob", "bob-pw"));
        assertThat(catalog.body()).doesNotContain("alice/secret");
        // a private blob cannot be mounted into bob's repository either
        var mount = other.send("POST", "/v2/bob/stolen/blobs/uploads/?mount=" + pushed.layers().getFirst()
                + "&from=alice/secret", "", "Authorization", basic("bob", "bob-pw"));
        assertThat(mount.statusCode()).isEqualTo(202);

        // owner and admin still see and pull it
        assertThat(names(alice.get("/api/repositories"))).contains("alice/secret");
        assertThat(other.get(manifestPath, "Authorization", basic("alice", "alice-pw")).statusCode()).isEqualTo(200);
        assertThat(other.get("/v2/_catalog", "Authorization", basic("alice", "alice-pw")).body()).contains("alice/secret");
        var root = registry.client().signIn("root", "root-pw");
        assertThat(root.get("/api/repositories/alice/secret").statusCode()).isEqualTo(200);
        assertThat(other.get(manifestPath, "Authorization", bearer("root", "root-pw", "repository:alice/secret:pull"))
                .statusCode()).isEqualTo(200);
    }

    @Test
    void ownersDeleteTagsWithTheCsrfToken() throws Exception {
        start(true);
        var alice = registry.client().signIn("alice", "alice-pw");
        registry.pushImage("alice", "alice-pw", "alice/app", "v1", CONFIG, 1);
        registry.pushImage("alice", "alice-pw", "alice/app", "v2", CONFIG, 2);

        JsonNode secondPage = json(alice.get("/api/repositories/alice/app?per_page=1&page=2"));
        assertThat(secondPage.get("tagCount").asInt()).isEqualTo(2);
        assertThat(secondPage.get("pages").asInt()).isEqualTo(2);
        assertThat(secondPage.get("tags")).hasSize(1);
        assertThat(secondPage.get("tags").get(0).get("name").asText()).isEqualTo("v2");
        assertThat(alice.get("/api/repositories/alice/app?per_page=0").statusCode()).isEqualTo(400);

        var noToken = alice.send("DELETE", "/api/repositories/alice/app/tags/v1", null);
        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(errorCode(noToken)).isEqualTo("CSRF");
        var wrongToken = alice.send("DELETE", "/api/repositories/alice/app/tags/v1", null, WebSite.CSRF_HEADER, "x" + alice.csrf);
        assertThat(errorCode(wrongToken)).isEqualTo("CSRF");
        var formWithoutToken = alice.form("/api/repositories", "name=csrf-test");
        assertThat(formWithoutToken.statusCode()).isEqualTo(403);
        assertThat(json(alice.get("/api/repositories")).get("total").asInt()).isEqualTo(1);

        var deleted = alice.json("DELETE", "/api/repositories/alice/app/tags/v1", null);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
        JsonNode tags = json(alice.get("/api/repositories/alice/app")).get("tags");
        assertThat(tags).hasSize(1);
        assertThat(tags.get(0).get("name").asText()).isEqualTo("v2");
        assertThat(alice.get("/v2/alice/app/manifests/v1", "Authorization", basic("alice", "alice-pw")).statusCode())
                .isEqualTo(404);
        var again = alice.json("DELETE", "/api/repositories/alice/app/tags/v1", null);
        assertThat(again.statusCode()).isEqualTo(404);

        // a form with the token works too (the pages' way)
        var form = alice.form("/api/repositories", "name=formed&visibility=private&_csrf=" + alice.csrf);
        assertThat(form.statusCode()).as(form.body()).isEqualTo(201);
        assertThat(json(form).get("visibility").asText()).isEqualTo("private");

        // signing out ends the session: the cookie no longer works
        assertThat(alice.json("DELETE", "/api/session", null).statusCode()).isEqualTo(204);
        assertThat(alice.get("/api/session").statusCode()).isEqualTo(401);
        var afterSignOut = alice.json("POST", "/api/repositories", "{\"name\":\"late\"}");
        assertThat(afterSignOut.statusCode()).isEqualTo(401);
    }

    @Test
    void signInTakesJsonAndSetsAnHttpOnlySameSiteStrictCookie() throws Exception {
        start(true);
        var form = registry.client().send("POST", "/api/session", "username=alice&password=alice-pw",
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(form.statusCode()).as("a cross-site form could send this").isEqualTo(415);
        assertThat(form.headers().firstValue("Set-Cookie")).isEmpty();
        var r = registry.client().send("POST", "/api/session", "{\"username\":\"alice\",\"password\":\"alice-pw\"}",
                "Content-Type", "application/json");
        assertThat(r.statusCode()).isEqualTo(200);
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith("skiff_session=").contains("HttpOnly").contains("SameSite=Strict").contains("Path=/");
        assertThat(json(r).get("user").asText()).isEqualTo("alice");
        assertThat(json(r).get("admin").asBoolean()).isFalse();
    }

    @Test
    void scriptsUseBasicCredentialsAndMustSendJson() throws Exception {
        start(false);
        var script = registry.client();
        var created = script.send("POST", "/api/repositories", "{\"name\":\"tool\",\"description\":\"cli\"}",
                "Content-Type", "application/json", "Authorization", basic("bob", "bob-pw"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(json(created).get("name").asText()).isEqualTo("bob/tool");
        var form = script.send("POST", "/api/repositories", "name=tool2", "Content-Type",
                "application/x-www-form-urlencoded", "Authorization", basic("bob", "bob-pw"));
        assertThat(form.statusCode()).isEqualTo(415);
        // without anonymous pull, anonymous callers see nothing
        assertThat(json(script.get("/api/repositories")).get("total").asInt()).isZero();
        assertThat(script.get("/api/repositories/bob/tool").statusCode()).isEqualTo(404);
        assertThat(json(script.get("/api/repositories", "Authorization", basic("alice", "alice-pw"))).get("total").asInt())
                .isEqualTo(1);
    }

    @Test
    void searchAndPagination() throws Exception {
        start(true);
        var alice = registry.client().signIn("alice", "alice-pw");
        for (String name : List.of("web-frontend", "web-backend", "database")) {
            assertThat(alice.json("POST", "/api/repositories", "{\"name\":\"" + name + "\"}").statusCode()).isEqualTo(201);
        }
        assertThat(alice.json("POST", "/api/repositories", "{\"name\":\"cache\",\"description\":\"A WEB cache\"}")
                .statusCode()).isEqualTo(201);
        var web = json(alice.get("/api/repositories?q=web"));
        assertThat(web.get("total").asInt()).isEqualTo(3);
        var page1 = json(alice.get("/api/repositories?per_page=2&page=1"));
        var page2 = json(alice.get("/api/repositories?per_page=2&page=2"));
        assertThat(page1.get("pages").asInt()).isEqualTo(2);
        List<String> all = new ArrayList<>();
        page1.get("repositories").forEach(n -> all.add(n.get("name").asText()));
        page2.get("repositories").forEach(n -> all.add(n.get("name").asText()));
        assertThat(all).containsExactly("alice/cache", "alice/database", "alice/web-backend", "alice/web-frontend");
    }

    @Test
    void badInputGetsClearClientErrors() throws Exception {
        start(true);
        var anonymous = registry.client();
        var wrongPassword = anonymous.send("POST", "/api/session", "{\"username\":\"alice\",\"password\":\"nope\"}",
                "Content-Type", "application/json");
        assertThat(wrongPassword.statusCode()).isEqualTo(401);
        assertThat(json(wrongPassword).path("error").path("message").asText()).contains("invalid username or password");
        var missingPassword = anonymous.send("POST", "/api/session", "{\"username\":\"alice\"}", "Content-Type", "application/json");
        assertThat(missingPassword.statusCode()).isEqualTo(400);
        assertThat(json(missingPassword).path("error").path("message").asText()).contains("password");
        var notJson = anonymous.send("POST", "/api/session", "{username", "Content-Type", "application/json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson).path("error").path("message").asText()).contains("not valid JSON");
        assertThat(anonymous.send("POST", "/api/repositories", "{\"name\":\"x\"}", "Content-Type", "application/json")
                .statusCode()).isEqualTo(401);

        var alice = registry.client().signIn("alice", "alice-pw");
        var badName = alice.json("POST", "/api/repositories", "{\"name\":\"Bad Name!\"}");
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(json(badName).path("error").path("message").asText()).contains("invalid repository name").contains("lowercase");
        var noName = alice.json("POST", "/api/repositories", "{\"description\":\"x\"}");
        assertThat(noName.statusCode()).isEqualTo(400);
        assertThat(json(noName).path("error").path("message").asText()).contains("name is required");
        var badVisibility = alice.json("POST", "/api/repositories", "{\"name\":\"v\",\"visibility\":\"secret\"}");
        assertThat(badVisibility.statusCode()).isEqualTo(400);
        assertThat(json(badVisibility).path("error").path("message").asText()).contains("public or private");
        var otherNamespace = alice.json("POST", "/api/repositories", "{\"name\":\"bob/app\"}");
        assertThat(otherNamespace.statusCode()).isEqualTo(403);
        assertThat(json(otherNamespace).path("error").path("message").asText()).contains("your own namespace");
        var tooLong = alice.json("POST", "/api/repositories", "{\"name\":\"long\",\"description\":\"" + "x".repeat(2001) + "\"}");
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(alice.json("POST", "/api/repositories", "{\"name\":\"app\"}").statusCode()).isEqualTo(201);
        var duplicate = alice.json("POST", "/api/repositories", "{\"name\":\"app\"}");
        assertThat(duplicate.statusCode()).isEqualTo(409);
        assertThat(errorCode(duplicate)).isEqualTo("EXISTS");
        var notObject = alice.json("POST", "/api/repositories", "[1]");
        assertThat(notObject.statusCode()).isEqualTo(400);
        var nothing = alice.json("PATCH", "/api/repositories/alice/app", "{}");
        assertThat(nothing.statusCode()).isEqualTo(400);
        assertThat(alice.json("PATCH", "/api/repositories/alice/app", "{\"visibility\":\"hidden\"}").statusCode()).isEqualTo(400);
        assertThat(alice.get("/api/repositories/alice/app/tags/-bad").statusCode()).isEqualTo(400);
        assertThat(alice.get("/api/repositories/alice/app/tags/missing").statusCode()).isEqualTo(404);
        assertThat(alice.get("/api/repositories/alice/nothing").statusCode()).isEqualTo(404);
        assertThat(alice.get("/api/repositories?per_page=0").statusCode()).isEqualTo(400);
        assertThat(alice.get("/api/repositories?page=abc").statusCode()).isEqualTo(400);
        assertThat(alice.get("/api/nowhere").statusCode()).isEqualTo(404);
        var method = alice.json("PUT", "/api/repositories", "{}");
        assertThat(method.statusCode()).isEqualTo(405);
        assertThat(method.headers().firstValue("Allow")).contains("GET, POST");
        var text = alice.send("POST", "/api/repositories", "name=x", "Content-Type", "text/plain", WebSite.CSRF_HEADER, alice.csrf);
        assertThat(text.statusCode()).isEqualTo(415);
    }

    @Test
    void loginThrottlingIsSharedWithTheTokenEndpoint() throws Exception {
        start(true);
        var guesser = registry.client();
        for (int i = 0; i < 6; i++) {
            guesser.send("POST", "/api/session", "{\"username\":\"alice\",\"password\":\"guess" + i + "\"}",
                    "Content-Type", "application/json");
        }
        var token = guesser.get("/token?service=skiff-registry&account=alice", "Authorization", basic("alice", "alice-pw"));
        assertThat(token.statusCode()).isEqualTo(429);
        var session = guesser.send("POST", "/api/session", "{\"username\":\"alice\",\"password\":\"alice-pw\"}",
                "Content-Type", "application/json");
        assertThat(session.statusCode()).isEqualTo(429);
        assertThat(errorCode(session)).isEqualTo("TOO_MANY_REQUESTS");
        assertThat(session.headers().firstValue("Retry-After")).isPresent();
        // bob from the same address is not affected
        registry.client().signIn("bob", "bob-pw");
    }

    @Test
    void changingThePasswordChecksTheOldOneAndEndsOtherSessions() throws Exception {
        start(true);
        var alice = registry.client().signIn("alice", "alice-pw");
        var laptop = registry.client().signIn("alice", "alice-pw");
        var wrong = alice.json("POST", "/api/account/password", "{\"current_password\":\"nope\",\"new_password\":\"n3w-pw\"}");
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(json(wrong).path("error").path("message").asText()).contains("current password is wrong");
        var empty = alice.json("POST", "/api/account/password", "{\"current_password\":\"alice-pw\",\"new_password\":\"\"}");
        assertThat(empty.statusCode()).isEqualTo(400);
        var ok = alice.json("POST", "/api/account/password", "{\"current_password\":\"alice-pw\",\"new_password\":\"n3w-pw\"}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(204);
        assertThat(alice.get("/api/session").statusCode()).isEqualTo(200);
        assertThat(laptop.get("/api/session").statusCode()).isEqualTo(401);
        // Htpasswd re-reads the file at most once a second
        Thread.sleep(1100);
        assertThat(registry.client().get("/token?service=skiff-registry", "Authorization", basic("alice", "n3w-pw"))
                .statusCode()).isEqualTo(200);
        assertThat(registry.client().get("/token?service=skiff-registry", "Authorization", basic("alice", "alice-pw"))
                .statusCode()).isEqualTo(401);
    }

    String bearer(String user, String password, String scope) throws Exception {
        var r = registry.client().get("/token?service=skiff-registry&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8),
                "Authorization", basic(user, password));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return "Bearer " + json(r).get("token").asText();
    }

    static List<String> names(java.net.http.HttpResponse<String> r) throws Exception {
        List<String> names = new ArrayList<>();
        json(r).get("repositories").forEach(n -> names.add(n.get("name").asText()));
        return names;
    }
}
