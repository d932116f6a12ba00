package dev.skiff.registry.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.formats.Digest;
import dev.skiff.registry.Registry;
import dev.skiff.registry.RegistryOptions;
import dev.skiff.registry.auth.Htpasswd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The Docker token flow over HTTP: challenge, /token, bearer, and the namespace rules. */
class AuthFlowTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;
    Registry registry;
    String base;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    void start(boolean anonymousPull) throws Exception {
        Path htpasswd = temp.resolve("htpasswd");
        Htpasswd.putUser(htpasswd, "alice", "alice-pw".toCharArray());
        Htpasswd.putUser(htpasswd, "bob", "bob-pw".toCharArray());
        Htpasswd.putUser(htpasswd, "root", "root-pw".toCharArray());
        registry = Registry.start(new RegistryOptions(new InetSocketAddress("127.0.0.1", 0), temp.resolve("root"),
                Optional.of(htpasswd), Set.of("root"), anonymousPull, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty()));
        base = "http://127.0.0.1:" + registry.address().getPort();
    }

    @AfterEach
    void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    String token(String user, String password, String scope) throws Exception {
        var r = get("/token?service=skiff-registry&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8) + "&account=" + user,
                "Authorization", basic(user, password));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        var body = JSON.readTree(r.body());
        assertThat(body.get("expires_in").asLong()).isPositive();
        assertThat(body.get("issued_at").asText()).endsWith("Z");
        assertThat(body.get("access_token").asText()).isEqualTo(body.get("token").asText());
        return "Bearer " + body.get("token").asText();
    }

    static String code(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).path("errors").path(0).path("code").asText();
    }

    @Test
    void dockerLoginFlowChallengesThenAcceptsTheBearerToken() throws Exception {
        start(true);
        var challenge = get("/v2/");
        assertThat(challenge.statusCode()).isEqualTo(401);
        assertThat(code(challenge)).isEqualTo("UNAUTHORIZED");
        assertThat(challenge.headers().firstValue("WWW-Authenticate"))
                .contains("Bearer realm=\"" + base + "/token\",service=\"skiff-registry\"");
        var login = get("/token?account=alice&client_id=docker&offline_token=true&service=skiff-registry",
                "Authorization", basic("alice", "alice-pw"));
        assertThat(login.statusCode()).isEqualTo(200);
        String bearer = "Bearer " + JSON.readTree(login.body()).get("token").asText();
        assertThat(get("/v2/", "Authorization", bearer).statusCode()).isEqualTo(200);

        var wrong = get("/token?account=alice&service=skiff-registry", "Authorization", basic("alice", "nope"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(code(wrong)).isEqualTo("UNAUTHORIZED");
    }

    @Test
    void ownersPushInTheirNamespaceOthersAreDenied() throws Exception {
        start(true);
        byte[] blob = {1, 2, 3};
        Digest d = Digest.sha256(blob);
        String alice = token("alice", "alice-pw", "repository:alice/app:pull,push");
        assertThat(post("/v2/alice/app/blobs/uploads/?digest=" + d, blob, "Authorization", alice).statusCode()).isEqualTo(201);

        String bobOnAlice = token("bob", "bob-pw", "repository:alice/app:pull,push");
        var denied = post("/v2/alice/app/blobs/uploads/?digest=" + d, blob, "Authorization", bobOnAlice);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(code(denied)).isEqualTo("DENIED");
        var topLevel = post("/v2/app/blobs/uploads/?digest=" + d, blob, "Authorization", token("alice", "alice-pw", "repository:app:push"));
        assertThat(code(topLevel)).isEqualTo("DENIED");

        String admin = token("root", "root-pw", "repository:bob/app:pull,push");
        assertThat(post("/v2/bob/app/blobs/uploads/?digest=" + d, blob, "Authorization", admin).statusCode()).isEqualTo(201);

        // a token for a different repository does not open this one: the client is told which scope to get
        var wrongScope = post("/v2/alice/other/blobs/uploads/?digest=" + d, blob, "Authorization", alice);
        assertThat(wrongScope.statusCode()).isEqualTo(401);
        assertThat(wrongScope.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(h ->
                assertThat(h).contains("scope=\"repository:alice/other:pull,push\"").contains("error=\"insufficient_scope\""));

        // anonymous pull is allowed by default, anonymous push is challenged
        assertThat(get("/v2/alice/app/blobs/" + d).statusCode()).isEqualTo(200);
        var anonymousPush = post("/v2/alice/app/blobs/uploads/", new byte[0]);
        assertThat(anonymousPush.statusCode()).isEqualTo(401);
        // Basic credentials work on the API directly, for scripts
        assertThat(post("/v2/alice/app/blobs/uploads/", new byte[0], "Authorization", basic("alice", "alice-pw")).statusCode())
                .isEqualTo(202);
    }

    @Test
    void withoutAnonymousPullEveryReadNeedsALogin() throws Exception {
        start(false);
        var r = get("/v2/alice/app/tags/list");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(h ->
                assertThat(h).contains("scope=\"repository:alice/app:pull\""));
        var anonymousToken = get("/token?service=skiff-registry&scope=repository:alice/app:pull");
        assertThat(anonymousToken.statusCode()).isEqualTo(200);
        var withAnonymous = get("/v2/alice/app/tags/list", "Authorization",
                "Bearer " + JSON.readTree(anonymousToken.body()).get("token").asText());
        assertThat(withAnonymous.statusCode()).isEqualTo(401);
        var bob = get("/v2/alice/app/tags/list", "Authorization", token("bob", "bob-pw", "repository:alice/app:pull"));
        assertThat(code(bob)).isEqualTo("NAME_UNKNOWN");
    }

    @Test
    void repeatedWrongPasswordsAreThrottledWithoutLockingOutTheUser() throws Exception {
        start(true);
        HttpResponse<String> last = null;
        for (int i = 0; i < 8; i++) {
            last = get("/token?account=alice&service=skiff-registry", "Authorization", basic("alice", "guess" + i));
        }
        assertThat(last.statusCode()).isEqualTo(429);
        assertThat(code(last)).isEqualTo("TOO_MANY_REQUESTS");
        assertThat(last.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
        // the same client with the right password is still slowed down (it is the attacker's address);
        // other users from the same address are not
        assertThat(get("/token?account=bob&service=skiff-registry", "Authorization", basic("bob", "bob-pw")).statusCode())
                .isEqualTo(200);
    }

    @Test
    void oauthPasswordGrantByPost() throws Exception {
        start(true);
        byte[] form = "grant_type=password&username=alice&password=alice-pw&service=skiff-registry&client_id=test&scope=repository%3Aalice%2Fapp%3Apull"
                .getBytes(StandardCharsets.UTF_8);
        var ok = post("/token", form, "Content-Type", "application/x-www-form-urlencoded");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(JSON.readTree(ok.body()).get("access_token").asText()).contains(".");
        var refresh = post("/token", "grant_type=refresh_token&refresh_token=x".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(refresh.statusCode()).isEqualTo(400);
        assertThat(refresh.body()).contains("unsupported_grant_type");
    }
}
