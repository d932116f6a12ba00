package dev.skiff.registry.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuthenticatorTest {
    private static final String REALM = "http://127.0.0.1:5000/token";
    private static final String SERVICE = "skiff-registry";
    private static final String CHALLENGE = "Bearer realm=\"http://127.0.0.1:5000/token\",service=\"skiff-registry\"";
    private static final String CLIENT = "192.0.2.10";

    @TempDir
    Path dir;
    FakeClock clock;
    TokenService tokens;
    Htpasswd users;

    @BeforeEach
    void setUp() throws Exception {
        Path file = dir.resolve("htpasswd");
        // Cost 4 keeps the many logins below quick; the cost is the file's business, not the authenticator's.
        Files.writeString(file, String.join("\n",
                "alice:" + BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(4, "alice-pw".toCharArray()),
                "bob:" + BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(4, "bob-pw".toCharArray()),
                "root:" + BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(4, "root-pw".toCharArray()),
                ""));
        clock = new FakeClock();
        users = Htpasswd.load(file, clock);
        tokens = new TokenService(dir.resolve("key.json"), "skiff", SERVICE, Duration.ofMinutes(5), clock);
    }

    private Authenticator authenticator(boolean anonymousPull) {
        return new Authenticator(Optional.of(users), new AccessPolicy(Set.of("root"), anonymousPull), tokens,
                new LoginThrottle(clock), REALM, SERVICE);
    }

    // --- challenges ---

    @Test
    void challengesTheBaseEndpointWithoutCredentialsEvenWhenPullsAreOpen() {
        for (boolean anonymousPull : List.of(true, false)) {
            assertThat(authenticator(anonymousPull).authorize(Optional.empty(), CLIENT, Optional.empty()))
                    .isEqualTo(new Decision.Challenge(CHALLENGE, "authentication required"));
        }
    }

    @Test
    void challengesWithTheRequiredScope() {
        Decision decision = authenticator(false).authorize(Optional.empty(), CLIENT, scope("alice/app", "pull"));

        assertThat(decision).isEqualTo(new Decision.Challenge(
                CHALLENGE + ",scope=\"repository:alice/app:pull\"", "authentication required"));
    }

    @Test
    void challengesAnonymousPushesWithBothActions() {
        Decision decision = authenticator(true).authorize(Optional.empty(), CLIENT, scope("alice/app", "pull", "push"));

        assertThat(decision).isEqualTo(new Decision.Challenge(
                CHALLENGE + ",scope=\"repository:alice/app:pull,push\"", "authentication required"));
    }

    @Test
    void letsAnonymousPullWithoutATokenWhenPullsAreOpen() {
        assertThat(authenticator(true).authorize(Optional.empty(), CLIENT, scope("alice/app", "pull")))
                .isEqualTo(new Decision.Granted(Optional.empty()));
    }

    // --- the token flow, as docker runs it ---

    @Test
    void logsInThroughTheTokenEndpoint() {
        Authenticator auth = authenticator(false);

        TokenResult result = auth.token(basic("alice", "alice-pw"), CLIENT, List.of(), Optional.of("alice"));

        String token = issued(result).token();
        assertThat(tokens.verify(token).orElseThrow().access()).isEmpty();
        assertThat(auth.authorize(bearer(token), CLIENT, Optional.empty()))
                .isEqualTo(new Decision.Granted(Optional.of("alice")));
    }

    @Test
    void pushesToTheUsersOwnNamespace() {
        Authenticator auth = authenticator(false);

        String token = issued(auth.token(basic("alice", "alice-pw"), CLIENT,
                List.of("repository:alice/app:push,pull"), Optional.of("alice"))).token();

        assertThat(tokens.verify(token).orElseThrow().access())
                .containsExactly(new ResourceScope("repository", "alice/app", Set.of("push", "pull")));
        assertThat(auth.authorize(bearer(token), CLIENT, scope("alice/app", "pull", "push")))
                .isEqualTo(new Decision.Granted(Optional.of("alice")));
    }

    @Test
    void issuesLessThanAskedAndDeniesTheRest() {
        Authenticator auth = authenticator(false);

        String token = issued(auth.token(basic("alice", "alice-pw"), CLIENT,
                List.of("repository:bob/app:push,pull"), Optional.empty())).token();

        assertThat(tokens.verify(token).orElseThrow().access())
                .containsExactly(new ResourceScope("repository", "bob/app", Set.of("pull")));
        assertThat(auth.authorize(bearer(token), CLIENT, scope("bob/app", "pull")))
                .isEqualTo(new Decision.Granted(Optional.of("alice")));
        assertThat(auth.authorize(bearer(token), CLIENT, scope("bob/app", "pull", "push")))
                .isInstanceOfSatisfying(Decision.Denied.class, denied -> assertThat(denied.message())
                        .contains("requested access to the resource is denied")
                        .contains("alice may not pull,push bob/app")
                        .contains("only user bob and admins"));
    }

    @Test
    void deniesTopLevelRepositoriesToUsers() {
        Decision decision = authenticator(false).authorize(bearer(tokenFor("alice", "repository:alice:push")),
                CLIENT, scope("alice", "push"));

        assertThat(decision).isInstanceOfSatisfying(Decision.Denied.class,
                denied -> assertThat(denied.message()).contains("only admins may"));
    }

    @Test
    void asksForABetterTokenWhenTheUserCouldHaveOne() {
        Authenticator auth = authenticator(false);
        String pullOnly = tokenFor("alice", "repository:alice/app:pull");

        assertThat(auth.authorize(bearer(pullOnly), CLIENT, scope("alice/app", "pull", "push")))
                .isInstanceOfSatisfying(Decision.Challenge.class, challenge -> assertThat(challenge.wwwAuthenticate())
                        .isEqualTo(CHALLENGE + ",scope=\"repository:alice/app:pull,push\",error=\"insufficient_scope\""));
        assertThat(auth.authorize(bearer(pullOnly), CLIENT, scope("alice/other", "pull")))
                .isInstanceOfSatisfying(Decision.Challenge.class, challenge -> assertThat(challenge.wwwAuthenticate())
                        .isEqualTo(CHALLENGE + ",scope=\"repository:alice/other:pull\",error=\"insufficient_scope\""));
    }

    @Test
    void challengesAnonymousTokensInsteadOfDenyingThem() {
        Authenticator auth = authenticator(true);

        String token = issued(auth.token(Optional.empty(), CLIENT, List.of("repository:alice/app:pull,push"),
                Optional.empty())).token();

        VerifiedToken verified = tokens.verify(token).orElseThrow();
        assertThat(verified.subject()).isEmpty();
        assertThat(verified.access()).containsExactly(new ResourceScope("repository", "alice/app", Set.of("pull")));
        assertThat(auth.authorize(bearer(token), CLIENT, scope("alice/app", "pull")))
                .isEqualTo(new Decision.Granted(Optional.empty()));
        assertThat(auth.authorize(bearer(token), CLIENT, scope("alice/app", "pull", "push")))
                .isEqualTo(new Decision.Challenge(
                        CHALLENGE + ",scope=\"repository:alice/app:pull,push\",error=\"insufficient_scope\"",
                        "the token does not grant repository:alice/app:pull,push: get a token for that scope from "
                                + REALM));
    }

    @Test
    void letsAnonymousTokensReachTheBaseEndpointOnlyWhenPullsAreOpen() {
        String anonymous = issued(authenticator(true).token(Optional.empty(), CLIENT, List.of(), Optional.empty()))
                .token();

        assertThat(authenticator(true).authorize(bearer(anonymous), CLIENT, Optional.empty()))
                .isEqualTo(new Decision.Granted(Optional.empty()));
        assertThat(authenticator(false).authorize(bearer(anonymous), CLIENT, Optional.empty()))
                .isEqualTo(new Decision.Challenge(CHALLENGE, "authentication required"));
    }

    @Test
    void grantsNothingToAnonymousTokensWhenPullsAreClosed() {
        String token = issued(authenticator(false).token(Optional.empty(), CLIENT,
                List.of("repository:alice/app:pull"), Optional.empty())).token();

        assertThat(tokens.verify(token).orElseThrow().access())
                .containsExactly(new ResourceScope("repository", "alice/app", Set.of()));
    }

    @Test
    void letsAdminsDoAnythingAnywhere() {
        Authenticator auth = authenticator(false);
        String token = tokenFor("root", "repository:bob/app:*");

        assertThat(tokens.verify(token).orElseThrow().access())
                .containsExactly(new ResourceScope("repository", "bob/app", Set.of("*")));
        assertThat(auth.authorize(bearer(token), CLIENT, scope("bob/app", "delete")))
                .isEqualTo(new Decision.Granted(Optional.of("root")));
        assertThat(auth.authorize(bearer(token), CLIENT, scope("bob/app", "pull", "push")))
                .isEqualTo(new Decision.Granted(Optional.of("root")));
    }

    @Test
    void opensTheCatalogToUsers() {
        Authenticator auth = authenticator(false);
        Optional<ResourceScope> catalog = Optional.of(new ResourceScope("registry", "catalog", Set.of("*")));

        assertThat(auth.authorize(bearer(tokenFor("alice", "registry:catalog:*")), CLIENT, catalog))
                .isEqualTo(new Decision.Granted(Optional.of("alice")));
        assertThat(auth.authorize(Optional.empty(), CLIENT, catalog))
                .isEqualTo(new Decision.Challenge(CHALLENGE + ",scope=\"registry:catalog:*\"",
                        "authentication required"));
    }

    @Test
    void mergesScopeParametersPerResource() {
        String token = issued(authenticator(false).token(basic("alice", "alice-pw"), CLIENT, List.of(
                "repository:alice/app:push",
                "repository:alice/app:pull repository:alice/fresh:pull",
                "repository:Bad/Name:pull"), Optional.empty())).token();

        List<ResourceScope> access = tokens.verify(token).orElseThrow().access();
        assertThat(access).extracting(ResourceScope::toString)
                .containsExactly("repository:alice/app:push,pull", "repository:alice/fresh:pull");
    }

    @Test
    void capsTheNumberOfResourcesInAToken() {
        List<String> many = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            many.add("repository:alice/app" + i + ":pull");
        }
        String token = issued(authenticator(false).token(basic("alice", "alice-pw"), CLIENT, many, Optional.empty()))
                .token();

        assertThat(tokens.verify(token).orElseThrow().access()).hasSize(Authenticator.MAX_SCOPES);
    }

    @Test
    void challengesInvalidAndExpiredTokens() {
        Authenticator auth = authenticator(false);
        String token = tokenFor("alice", "repository:alice/app:pull");
        String invalid = CHALLENGE + ",scope=\"repository:alice/app:pull\",error=\"invalid_token\"";

        assertThat(auth.authorize(bearer("garbage"), CLIENT, scope("alice/app", "pull")))
                .isInstanceOfSatisfying(Decision.Challenge.class,
                        challenge -> assertThat(challenge.wwwAuthenticate()).isEqualTo(invalid));
        clock.advance(Duration.ofMinutes(7));
        assertThat(auth.authorize(bearer(token), CLIENT, scope("alice/app", "pull")))
                .isInstanceOfSatisfying(Decision.Challenge.class,
                        challenge -> assertThat(challenge.wwwAuthenticate()).isEqualTo(invalid));
    }

    @Test
    void readsTheSchemeCaseInsensitively() {
        String token = tokenFor("alice", "repository:alice/app:pull");
        Authenticator auth = authenticator(false);

        assertThat(auth.authorize(Optional.of("bearer " + token), CLIENT, scope("alice/app", "pull")))
                .isEqualTo(new Decision.Granted(Optional.of("alice")));
        assertThat(auth.authorize(Optional.of("BASIC " + encode("alice:alice-pw")), CLIENT, Optional.empty()))
                .isEqualTo(new Decision.Granted(Optional.of("alice")));
    }

    // --- the token endpoint's refusals ---

    @Test
    void refusesWrongPasswordsAndUnknownUsers() {
        Authenticator auth = authenticator(true);

        assertThat(auth.token(basic("alice", "wrong"), CLIENT, List.of(), Optional.empty()))
                .isEqualTo(new TokenResult.Unauthorized("invalid username or password"));
        assertThat(auth.token(basic("mallory", "alice-pw"), CLIENT, List.of(), Optional.empty()))
                .isEqualTo(new TokenResult.Unauthorized("invalid username or password"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Basic", "Basic ", "Basic !!!", "Basic YWxpY2U=", "Basic OmFsaWNlLXB3", "Bearer abc",
        "Digest x", "alice:alice-pw", "Basic /w==", ""})
    void refusesMalformedAuthorizationAtTheTokenEndpoint(String header) {
        assertThat(authenticator(true).token(Optional.of(header), CLIENT, List.of(), Optional.empty()))
                .isInstanceOfSatisfying(TokenResult.Unauthorized.class,
                        unauthorized -> assertThat(unauthorized.message()).contains("Basic"));
    }

    @Test
    void refusesAnAccountThatIsNotTheUser() {
        assertThat(authenticator(true).token(basic("alice", "alice-pw"), CLIENT, List.of(), Optional.of("bob")))
                .isInstanceOf(TokenResult.Unauthorized.class);
    }

    @Test
    void acceptsPasswordsWithColons() throws Exception {
        Htpasswd.putUser(dir.resolve("htpasswd"), "carol", "a:b:c".toCharArray());
        clock.advance(Duration.ofSeconds(1));

        assertThat(authenticator(false).token(basic("carol", "a:b:c"), CLIENT, List.of(), Optional.empty()))
                .isInstanceOf(TokenResult.Issued.class);
    }

    @Test
    void throttlesGuessesFromOneAddressButNotTheRealUser() {
        Authenticator auth = authenticator(false);
        for (int i = 0; i < 5; i++) {
            assertThat(auth.token(basic("alice", "guess" + i), "203.0.113.7", List.of(), Optional.empty()))
                    .isInstanceOf(TokenResult.Unauthorized.class);
        }

        assertThat(auth.token(basic("alice", "alice-pw"), "203.0.113.7", List.of(), Optional.empty()))
                .isEqualTo(new TokenResult.Throttled(Duration.ofSeconds(1)));
        assertThat(auth.authorize(basic("alice", "alice-pw"), "203.0.113.7", Optional.empty()))
                .isEqualTo(new Decision.Throttled(Duration.ofSeconds(1)));
        assertThat(auth.token(basic("alice", "alice-pw"), CLIENT, List.of(), Optional.empty()))
                .isInstanceOf(TokenResult.Issued.class);

        clock.advance(Duration.ofSeconds(1));
        assertThat(auth.token(basic("alice", "alice-pw"), "203.0.113.7", List.of(), Optional.empty()))
                .isInstanceOf(TokenResult.Issued.class);
    }

    // --- Basic credentials on the API ---

    @Test
    void acceptsBasicCredentialsOnTheApi() {
        Authenticator auth = authenticator(false);

        assertThat(auth.authorize(basic("alice", "alice-pw"), CLIENT, scope("alice/app", "pull", "push")))
                .isEqualTo(new Decision.Granted(Optional.of("alice")));
        assertThat(auth.authorize(basic("bob", "bob-pw"), CLIENT, scope("alice/app", "pull")))
                .isEqualTo(new Decision.Granted(Optional.of("bob")));
        assertThat(auth.authorize(basic("bob", "bob-pw"), CLIENT, scope("alice/app", "delete")))
                .isInstanceOf(Decision.Denied.class);
        assertThat(auth.authorize(basic("bob", "alice-pw"), CLIENT, scope("alice/app", "pull")))
                .isEqualTo(new Decision.Challenge(CHALLENGE + ",scope=\"repository:alice/app:pull\"",
                        "invalid username or password"));
    }

    @Test
    void throttlesBasicCredentialsOnTheApiToo() {
        Authenticator auth = authenticator(false);
        for (int i = 0; i < 5; i++) {
            assertThat(auth.authorize(basic("alice", "guess"), CLIENT, Optional.empty()))
                    .isInstanceOf(Decision.Challenge.class);
        }

        assertThat(auth.authorize(basic("alice", "alice-pw"), CLIENT, Optional.empty()))
                .isEqualTo(new Decision.Throttled(Duration.ofSeconds(1)));
        assertThat(auth.token(basic("alice", "alice-pw"), CLIENT, List.of(), Optional.empty()))
                .isEqualTo(new TokenResult.Throttled(Duration.ofSeconds(1)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Basic", "Basic !!!", "Digest abc", "Negotiate", "   "})
    void challengesMalformedOrUnsupportedAuthorization(String header) {
        assertThat(authenticator(true).authorize(Optional.of(header), CLIENT, scope("alice/app", "pull")))
                .isInstanceOfSatisfying(Decision.Challenge.class, challenge -> assertThat(challenge.wwwAuthenticate())
                        .isEqualTo(CHALLENGE + ",scope=\"repository:alice/app:pull\""));
    }

    // --- auth off ---

    @Test
    void grantsEverythingWhenAuthIsOff() {
        Authenticator off = new Authenticator(Optional.empty(), new AccessPolicy(Set.of(), false), tokens,
                new LoginThrottle(clock), REALM, SERVICE);

        assertThat(off.authorize(Optional.empty(), CLIENT, scope("bob/app", "delete")))
                .isEqualTo(new Decision.Granted(Optional.empty()));
        assertThat(off.authorize(bearer("garbage"), CLIENT, Optional.empty()))
                .isEqualTo(new Decision.Granted(Optional.empty()));
        String token = issued(off.token(basic("alice", "wrong"), CLIENT, List.of("repository:bob/app:push"),
                Optional.empty())).token();
        assertThat(tokens.verify(token).orElseThrow().access())
                .containsExactly(new ResourceScope("repository", "bob/app", Set.of("push")));
    }

    // --- configuration ---

    @Test
    void refusesATokenServiceForAnotherAudience() {
        assertThatThrownBy(() -> new Authenticator(Optional.of(users), new AccessPolicy(Set.of(), false), tokens,
                new LoginThrottle(clock), REALM, "other"))
                .isInstanceOf(AuthException.class).hasMessageContaining("other").hasMessageContaining(SERVICE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "http://x/token\",error=\"y", "http://x/to ken", "http://x/token\\"})
    void refusesRealmsThatWouldBreakTheHeader(String realm) {
        assertThatThrownBy(() -> new Authenticator(Optional.of(users), new AccessPolicy(Set.of(), false), tokens,
                new LoginThrottle(clock), realm, SERVICE))
                .isInstanceOf(AuthException.class).hasMessageContaining("realm");
    }

    @Test
    void refusesARequiredScopeWithoutActions() {
        assertThatThrownBy(() -> authenticator(true).authorize(Optional.empty(), CLIENT,
                Optional.of(new ResourceScope("repository", "alice/app", Set.of()))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // --- helpers ---

    private String tokenFor(String user, String... scopes) {
        return issued(authenticator(false).token(basic(user, user + "-pw"), CLIENT, List.of(scopes), Optional.empty()))
                .token();
    }

    private static IssuedToken issued(TokenResult result) {
        assertThat(result).isInstanceOf(TokenResult.Issued.class);
        return ((TokenResult.Issued) result).token();
    }

    private static Optional<ResourceScope> scope(String repository, String... actions) {
        return Optional.of(new ResourceScope("repository", repository, new LinkedHashSet<>(List.of(actions))));
    }

    private static Optional<String> basic(String user, String password) {
        return Optional.of("Basic " + encode(user + ":" + password));
    }

    private static Optional<String> bearer(String token) {
        return Optional.of("Bearer " + token);
    }

    private static String encode(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
