package dev.skiff.registry.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenServiceTest {
    private static final String ISSUER = "skiff-token-issuer";
    private static final String SERVICE = "skiff-registry";
    private static final Duration TTL = Duration.ofMinutes(5);
    private static final List<ResourceScope> ACCESS = List.of(
            new ResourceScope("repository", "alice/app", new LinkedHashSet<>(List.of("push", "pull"))),
            new ResourceScope("repository", "bob/app", Set.of()),
            new ResourceScope("registry", "catalog", Set.of("*")));

    @TempDir
    Path dir;
    Path keyFile;
    FakeClock clock;
    TokenService tokens;

    @BeforeEach
    void setUp() {
        keyFile = dir.resolve("keys/token-key.json");
        clock = new FakeClock(Instant.parse("2026-01-01T12:00:00.750Z"));
        tokens = new TokenService(keyFile, ISSUER, SERVICE, TTL, clock);
    }

    @Test
    void createsAPrivateP256KeyReadableByItsOwnerOnly() throws Exception {
        JWK key = JWK.parse(Files.readString(keyFile));

        assertThat(key).isInstanceOf(ECKey.class);
        assertThat(((ECKey) key).getCurve()).isEqualTo(Curve.P_256);
        assertThat(key.isPrivate()).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        try (var files = Files.list(keyFile.getParent())) {
            assertThat(files).containsExactly(keyFile);
        }
    }

    @Test
    void reusesTheKeyInTheFile() {
        String key = readKey();
        TokenService restarted = new TokenService(keyFile, ISSUER, SERVICE, TTL, clock);

        assertThat(readKey()).isEqualTo(key);
        assertThat(restarted.verify(tokens.issue(Optional.of("alice"), ACCESS).token())).isPresent();
    }

    @Test
    void verifiesWhatItIssued() {
        IssuedToken issued = tokens.issue(Optional.of("alice"), ACCESS);

        assertThat(issued.issuedAt()).isEqualTo(Instant.parse("2026-01-01T12:00:00Z"));
        assertThat(issued.expiresInSeconds()).isEqualTo(300);
        VerifiedToken verified = tokens.verify(issued.token()).orElseThrow();
        assertThat(verified.subject()).contains("alice");
        assertThat(verified.access()).isEqualTo(ACCESS);
        assertThat(verified.access().getFirst().actions()).containsExactly("push", "pull");
    }

    @Test
    void writesTheClaimsOfDistributionsTokenSpec() throws Exception {
        IssuedToken issued = tokens.issue(Optional.empty(), ACCESS);
        String[] parts = issued.token().split("\\.");
        String header = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        Map<String, Object> json = SignedJWT.parse(issued.token()).getJWTClaimsSet().toJSONObject();

        assertThat(header).contains("\"alg\":\"ES256\"").contains("\"typ\":\"JWT\"")
                .contains("\"kid\":\"" + ((ECKey) JWK.parse(readKey())).computeThumbprint() + "\"");
        assertThat(claims).contains("\"aud\":\"skiff-registry\"").contains("\"sub\":\"\"");
        assertThat(json).containsEntry("iss", ISSUER)
                .containsEntry("iat", 1767268800L)
                .containsEntry("nbf", 1767268800L)
                .containsEntry("exp", 1767269100L);
        assertThat((String) json.get("jti")).matches("[0-9a-f]{32}");
        assertThat(json.get("access")).isEqualTo(List.of(
                Map.of("type", "repository", "name", "alice/app", "actions", List.of("push", "pull")),
                Map.of("type", "repository", "name", "bob/app", "actions", List.of()),
                Map.of("type", "registry", "name", "catalog", "actions", List.of("*"))));
        assertThat(tokens.verify(issued.token()).orElseThrow().subject()).isEmpty();
    }

    @Test
    void issuesUniqueTokenIds() throws Exception {
        String first = SignedJWT.parse(tokens.issue(Optional.empty(), List.of()).token()).getJWTClaimsSet().getJWTID();
        String second = SignedJWT.parse(tokens.issue(Optional.empty(), List.of()).token()).getJWTClaimsSet().getJWTID();
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void refusesExpiredTokensAllowingOneMinuteOfSkew() {
        String token = tokens.issue(Optional.of("alice"), ACCESS).token();

        clock.advance(TTL.plusSeconds(59));
        assertThat(tokens.verify(token)).isPresent();
        clock.advance(Duration.ofSeconds(2));
        assertThat(tokens.verify(token)).isEmpty();
    }

    @Test
    void refusesTokensFromTheFutureAllowingOneMinuteOfSkew() {
        FakeClock ahead = new FakeClock(clock.instant().plusSeconds(59));
        FakeClock farAhead = new FakeClock(clock.instant().plusSeconds(62));

        assertThat(tokens.verify(new TokenService(keyFile, ISSUER, SERVICE, TTL, ahead)
                .issue(Optional.of("alice"), ACCESS).token())).isPresent();
        assertThat(tokens.verify(new TokenService(keyFile, ISSUER, SERVICE, TTL, farAhead)
                .issue(Optional.of("alice"), ACCESS).token())).isEmpty();
    }

    @Test
    void refusesTokensForAnotherAudience() {
        TokenService other = new TokenService(keyFile, ISSUER, "other-registry", TTL, clock);
        assertThat(tokens.verify(other.issue(Optional.of("alice"), ACCESS).token())).isEmpty();
    }

    @Test
    void refusesTokensFromAnotherIssuer() {
        TokenService other = new TokenService(keyFile, "someone-else", SERVICE, TTL, clock);
        assertThat(tokens.verify(other.issue(Optional.of("alice"), ACCESS).token())).isEmpty();
    }

    @Test
    void refusesTokensSignedWithAnotherKey() {
        TokenService other = new TokenService(dir.resolve("other-key.json"), ISSUER, SERVICE, TTL, clock);
        assertThat(tokens.verify(other.issue(Optional.of("alice"), ACCESS).token())).isEmpty();
    }

    @Test
    void refusesATamperedSignature() {
        String token = tokens.issue(Optional.of("alice"), ACCESS).token();
        int last = token.length() - 5;
        char flipped = token.charAt(last) == 'A' ? 'B' : 'A';

        assertThat(tokens.verify(token.substring(0, last) + flipped + token.substring(last + 1))).isEmpty();
    }

    @Test
    void refusesTamperedClaims() {
        String[] parts = tokens.issue(Optional.of("alice"), ACCESS).token().split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String forged = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(claims.replace("\"alice\"", "\"admin\"").getBytes(StandardCharsets.UTF_8));

        assertThat(forged).isNotEqualTo(parts[1]);
        assertThat(tokens.verify(parts[0] + "." + forged + "." + parts[2])).isEmpty();
    }

    @Test
    void refusesUnsignedAndHmacTokens() throws Exception {
        String kid = ((ECKey) JWK.parse(readKey())).computeThumbprint().toString();
        JWTClaimsSet claims = validClaims().build();
        SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(kid).build(), claims);
        hmac.sign(new MACSigner(new byte[32]));

        assertThat(tokens.verify(new PlainJWT(claims).serialize())).isEmpty();
        assertThat(tokens.verify(hmac.serialize())).isEmpty();
        // The same claims signed with our key do pass: the two refusals above are about the algorithm.
        assertThat(tokens.verify(signWithOurKey(claims))).isPresent();
    }

    @Test
    void refusesSignedTokensWhoseAccessClaimIsNotTheSpecs() throws Exception {
        assertThat(tokens.verify(signWithOurKey(validClaims().claim("access", "repository:alice/app:push").build())))
                .isEmpty();
        assertThat(tokens.verify(signWithOurKey(validClaims().claim("access",
                List.of(Map.of("type", "repository", "name", "../etc", "actions", List.of("pull")))).build())))
                .isEmpty();
        assertThat(tokens.verify(signWithOurKey(validClaims().claim("access",
                List.of(Map.of("type", "repository", "name", "alice/app", "actions", "pull"))).build())))
                .isEmpty();
        assertThat(tokens.verify(signWithOurKey(validClaims().claim("access", null).build()))).isEmpty();
        assertThat(tokens.verify(signWithOurKey(validClaims().expirationTime(null).build()))).isEmpty();
        assertThat(tokens.verify(signWithOurKey(validClaims().build()))).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", ".", "..", "...", "a.b.c", "eyJhbGciOiJFUzI1NiJ9", "eyJhbGciOiJFUzI1NiJ9..",
        "eyJhbGciOiJFUzI1NiJ9.e30.", "eyJhbGciOiJub25lIn0.e30.", "e30.e30.e30", "Bearer x", "%%%.%%%.%%%",
        "eyJ.eyJ.eyJ", "\u0000", "ünïcödé.ünïcödé.ünïcödé"})
    void answersGarbageWithEmpty(String garbage) {
        assertThat(tokens.verify(garbage)).isEmpty();
    }

    @Test
    void answersNullAndHugeInputWithEmpty() {
        assertThat(tokens.verify(null)).isEmpty();
        assertThat(tokens.verify("e".repeat(10_000_000))).isEmpty();
        String token = tokens.issue(Optional.of("alice"), ACCESS).token();
        assertThat(tokens.verify(token + "." + token)).isEmpty();
    }

    @Test
    void refusesAKeyFileThatIsNotAPrivateP256Key() throws Exception {
        Path garbage = dir.resolve("garbage.json");
        Files.writeString(garbage, "not json");
        Path rsa = dir.resolve("rsa.json");
        Files.writeString(rsa, new RSAKeyGenerator(2048).generate().toJSONString());
        Path publicOnly = dir.resolve("public.json");
        Files.writeString(publicOnly, JWK.parse(readKey()).toPublicJWK().toJSONString());

        for (Path bad : List.of(garbage, rsa, publicOnly)) {
            assertThatThrownBy(() -> new TokenService(bad, ISSUER, SERVICE, TTL))
                    .isInstanceOf(AuthException.class)
                    .hasMessageContaining(bad.toString())
                    .hasMessageContaining("not an EC P-256 private key");
        }
    }

    @Test
    void refusesLifetimesDockerCannotUse() {
        assertThatThrownBy(() -> new TokenService(keyFile, ISSUER, SERVICE, Duration.ofSeconds(59)))
                .isInstanceOf(AuthException.class).hasMessageContaining("at least 60 s");
    }

    private JWTClaimsSet.Builder validClaims() {
        Instant now = clock.instant();
        return new JWTClaimsSet.Builder().issuer(ISSUER).audience(SERVICE).subject("alice")
                .expirationTime(Date.from(now.plusSeconds(300))).notBeforeTime(Date.from(now))
                .claim("access", List.of());
    }

    private String signWithOurKey(JWTClaimsSet claims) throws Exception {
        ECKey key = (ECKey) JWK.parse(readKey());
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT)
                .keyID(key.computeThumbprint().toString()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private String readKey() {
        try {
            return Files.readString(keyFile);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
