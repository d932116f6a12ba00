package dev.skiff.registry.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Issues and checks the registry's bearer tokens: JWTs as distribution's {@code docs/spec/auth/jwt.md}
 * describes them, signed ES256 with one EC P-256 key kept as JWK JSON in {@code keyFile}. The registry
 * is its own token server, so the same key signs and verifies and no certificate chain is needed; the
 * header's {@code kid} is the key's RFC 7638 thumbprint so a later key rotation can tell keys apart.
 */
public final class TokenService {
    /** Clock skew allowed on {@code exp} and {@code nbf}, as distribution's verifier allows. */
    static final Duration LEEWAY = Duration.ofSeconds(60);
    /** The spec: "a token should never be returned with less than 60 seconds to live". */
    static final Duration MIN_TTL = Duration.ofSeconds(60);
    /** Far longer than any token we issue; a cheap guard before parsing. */
    static final int MAX_TOKEN_LENGTH = 64 * 1024;

    private static final String ACCESS = "access";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String issuer;
    private final String service;
    private final Duration ttl;
    private final InstantSource clock;
    private final String keyId;
    private final JWSSigner signer;
    private final JWSVerifier verifier;

    public TokenService(Path keyFile, String issuer, String service, Duration ttl) {
        this(keyFile, issuer, service, ttl, InstantSource.system());
    }

    TokenService(Path keyFile, String issuer, String service, Duration ttl, InstantSource clock) {
        if (issuer == null || issuer.isBlank() || service == null || service.isBlank()) {
            throw new AuthException("the token issuer and service names must not be empty");
        }
        if (ttl.compareTo(MIN_TTL) < 0) {
            throw new AuthException("token lifetime " + ttl.toSeconds() + " s is too short: docker needs at least "
                    + MIN_TTL.toSeconds() + " s");
        }
        this.issuer = issuer;
        this.service = service;
        this.ttl = ttl;
        this.clock = clock;
        ECKey key = loadOrCreate(keyFile);
        try {
            this.keyId = key.getKeyID() != null ? key.getKeyID() : key.computeThumbprint().toString();
            this.signer = new ECDSASigner(key);
            this.verifier = new ECDSAVerifier(key.toPublicJWK());
        } catch (JOSEException e) {
            throw new AuthException("cannot use the token signing key in " + keyFile + ": " + e.getMessage(), e);
        }
    }

    String service() {
        return service;
    }

    /** A token for {@code subject} (empty: anonymous) granting exactly {@code access}. */
    public IssuedToken issue(Optional<String> subject, List<ResourceScope> access) {
        // JWT times are whole seconds; issuedAt is truncated too so it equals the token's iat.
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        byte[] jti = new byte[16];
        RANDOM.nextBytes(jti);
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(subject.orElse(""))
                .audience(service)
                .expirationTime(Date.from(now.plus(ttl)))
                .notBeforeTime(Date.from(now))
                .issueTime(Date.from(now))
                .jwtID(HexFormat.of().formatHex(jti))
                .claim(ACCESS, toClaim(access))
                .build();
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT).keyID(keyId).build();
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new AuthException("cannot sign a token: " + e.getMessage(), e);
        }
        return new IssuedToken(jwt.serialize(), now, ttl.toSeconds());
    }

    /**
     * What {@code jwt} grants, when it is one of ours (signature and {@code kid}), meant for this service
     * ({@code iss}, {@code aud}) and current ({@code exp}, {@code nbf}, with {@link #LEEWAY}). Empty for
     * anything else, including garbage: a caller's input never makes this throw.
     */
    public Optional<VerifiedToken> verify(String jwt) {
        if (jwt == null || jwt.isEmpty() || jwt.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        try {
            SignedJWT parsed = SignedJWT.parse(jwt);
            JWSHeader header = parsed.getHeader();
            // Checked before verify(): only our algorithm and key are ever considered.
            if (!JWSAlgorithm.ES256.equals(header.getAlgorithm()) || !keyId.equals(header.getKeyID())
                    || !parsed.verify(verifier)) {
                return Optional.empty();
            }
            JWTClaimsSet claims = parsed.getJWTClaimsSet();
            Instant now = clock.instant();
            Date exp = claims.getExpirationTime();
            Date nbf = claims.getNotBeforeTime();
            if (!issuer.equals(claims.getIssuer())
                    || claims.getAudience() == null || !claims.getAudience().contains(service)
                    || exp == null || now.isAfter(exp.toInstant().plus(LEEWAY))
                    || (nbf != null && now.isBefore(nbf.toInstant().minus(LEEWAY)))) {
                return Optional.empty();
            }
            String subject = claims.getSubject();
            Optional<List<ResourceScope>> access = fromClaim(claims.getClaim(ACCESS));
            if (subject == null || access.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new VerifiedToken(
                    subject.isEmpty() ? Optional.empty() : Optional.of(subject), access.get()));
        } catch (ParseException | JOSEException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static List<Map<String, Object>> toClaim(List<ResourceScope> access) {
        List<Map<String, Object>> claim = new ArrayList<>();
        for (ResourceScope scope : access) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("type", scope.type());
            entry.put("name", scope.name());
            entry.put("actions", List.copyOf(scope.actions()));
            claim.add(entry);
        }
        return claim;
    }

    /** The access claim as scopes, or empty when it is not the spec's array of {type, name, actions}. */
    private static Optional<List<ResourceScope>> fromClaim(Object claim) {
        if (!(claim instanceof List<?> entries)) {
            return Optional.empty();
        }
        List<ResourceScope> access = new ArrayList<>();
        for (Object entry : entries) {
            if (!(entry instanceof Map<?, ?> map)
                    || !(map.get("type") instanceof String type)
                    || !(map.get("name") instanceof String name)
                    || !(map.get("actions") instanceof List<?> actionList)) {
                return Optional.empty();
            }
            Set<String> actions = new LinkedHashSet<>();
            for (Object action : actionList) {
                if (!(action instanceof String a)) {
                    return Optional.empty();
                }
                actions.add(a);
            }
            access.add(new ResourceScope(type, name, actions));
        }
        return Optional.of(access);
    }

    private static ECKey loadOrCreate(Path keyFile) {
        try {
            return parseKey(keyFile, Files.readString(keyFile, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            // Fall through and create one.
        } catch (IOException e) {
            throw new AuthException("cannot read the token signing key " + keyFile + ": " + e.getMessage(), e);
        }
        try {
            ECKey key = new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate();
            if (AtomicFiles.createNew(keyFile, key.toJSONString().getBytes(StandardCharsets.UTF_8),
                    AtomicFiles.OWNER_ONLY)) {
                return key;
            }
            // Another process created it first: use theirs, so both sign with the same key.
            return parseKey(keyFile, Files.readString(keyFile, StandardCharsets.UTF_8));
        } catch (JOSEException | IOException e) {
            throw new AuthException("cannot create the token signing key " + keyFile + ": " + e.getMessage(), e);
        }
    }

    private static ECKey parseKey(Path keyFile, String json) {
        try {
            if (JWK.parse(json) instanceof ECKey key && Curve.P_256.equals(key.getCurve()) && key.isPrivate()) {
                return key;
            }
        } catch (ParseException e) {
            // Reported below with what to do about it.
        }
        throw new AuthException("the token signing key " + keyFile + " is not an EC P-256 private key in JWK JSON;"
                + " move it away and a new key is created on the next start (tokens already issued become invalid)");
    }
}
