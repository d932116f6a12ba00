package dev.skiff.registry.auth;

import dev.skiff.formats.RepositoryName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The registry's auth, as the HTTP layer sees it: the Docker token flow of distribution's
 * {@code docs/spec/auth/token.md}, with the registry as its own token server.
 *
 * <ol>
 * <li>A request without credentials is answered with a {@link Decision.Challenge} naming the token
 *     endpoint ({@code realm}) and the scope the request needs.</li>
 * <li>The client asks {@link #token} for that scope, with Basic credentials or none (anonymous), and gets a
 *     token granting what {@link AccessPolicy} allows of it: maybe less than asked, never an error for
 *     that.</li>
 * <li>The client repeats the request with {@code Authorization: Bearer <token>}; {@link #authorize}
 *     grants it, challenges again ({@code insufficient_scope}) or, when the caller is a known user who will
 *     never get that access, denies it.</li>
 * </ol>
 *
 * Basic credentials are also accepted on API requests, for curl and scripts. Password checks, on either
 * path, go through {@link LoginThrottle}; {@code clientAddress} is the client's IP address without the
 * port. With no {@link Htpasswd} auth is off: everything is granted to anonymous.
 */
public final class Authenticator {
    /** More resources than any client asks for in one token; the rest are ignored, keeping tokens small. */
    static final int MAX_SCOPES = 64;

    private static final String AUTHENTICATION_REQUIRED = "authentication required";
    private static final String BAD_CREDENTIALS = "invalid username or password";
    // Realm and service go into a quoted header value unescaped; refuse what would need escaping.
    private static final Pattern HEADER_SAFE = Pattern.compile("[\\x21\\x23-\\x5b\\x5d-\\x7e]+");

    private final Optional<Htpasswd> htpasswd;
    private final AccessPolicy policy;
    private final TokenService tokens;
    private final LoginThrottle throttle;
    private final String realm;
    private final String service;

    public Authenticator(Optional<Htpasswd> htpasswd, AccessPolicy policy, TokenService tokens,
            LoginThrottle throttle, String realm, String service) {
        if (realm == null || !HEADER_SAFE.matcher(realm).matches()) {
            throw new AuthException("invalid token realm " + realm + ": give the token endpoint's absolute URL,"
                    + " e.g. http://127.0.0.1:5000/token");
        }
        if (service == null || !HEADER_SAFE.matcher(service).matches()) {
            throw new AuthException("invalid service name " + service + ": use printable characters without"
                    + " spaces, quotes or backslashes");
        }
        if (!tokens.service().equals(service)) {
            // Otherwise every token would be issued for an audience the registry then refuses.
            throw new AuthException("the token service is configured for \"" + tokens.service()
                    + "\" but the registry calls itself \"" + service + "\"; use the same name for both");
        }
        this.htpasswd = htpasswd;
        this.policy = policy;
        this.tokens = tokens;
        this.throttle = throttle;
        this.realm = realm;
        this.service = service;
    }

    /**
     * The token endpoint. {@code scopeParams} are the request's {@code scope} parameters, each possibly
     * several space-separated scopes; malformed ones are ignored ({@link Scope#parse}). {@code account},
     * which docker sends along with the credentials, must name the same user when both are given.
     */
    public TokenResult token(Optional<String> authorizationHeader, String clientAddress, List<String> scopeParams,
            Optional<String> account) {
        List<ResourceScope> requested = requestedScopes(scopeParams);
        if (htpasswd.isEmpty()) {
            return new TokenResult.Issued(tokens.issue(Optional.empty(), requested));
        }
        Optional<String> user = Optional.empty();
        if (authorizationHeader.isPresent()) {
            Optional<Credentials.Basic> basic =
                    Credentials.parse(authorizationHeader.get()).flatMap(Credentials::basic);
            if (basic.isEmpty()) {
                return new TokenResult.Unauthorized("malformed Authorization header: the token endpoint takes Basic"
                        + " credentials (user name and password)");
            }
            if (account.isPresent() && !account.get().equals(basic.get().user())) {
                basic.get().clear();
                return new TokenResult.Unauthorized("the account parameter does not name the user in the credentials");
            }
            switch (logIn(basic.get(), clientAddress)) {
                case Login.Wait(Duration retryAfter) -> {
                    return new TokenResult.Throttled(retryAfter);
                }
                case Login.Refused(String message) -> {
                    return new TokenResult.Unauthorized(message);
                }
                case Login.LoggedIn(String name) -> user = Optional.of(name);
            }
        }
        List<ResourceScope> granted = new ArrayList<>();
        for (ResourceScope scope : requested) {
            granted.add(new ResourceScope(scope.type(), scope.name(), policy.grant(user, scope)));
        }
        return new TokenResult.Issued(tokens.issue(user, granted));
    }

    /**
     * Whether a registry API request may go ahead. {@code required} is the scope the request needs, or
     * empty for the base endpoint {@code /v2/}, which only asks "may this caller talk to the registry?".
     *
     * <p>A request with no credentials at all is challenged on {@code /v2/} even when anonymous pulls are
     * allowed: {@code docker login} judges credentials by whether {@code /v2/} answers 200 after following
     * the challenge, so a 200 without one would let it "log in" with any password. Anonymous clients follow
     * the challenge too and come back with an anonymous token, which {@code /v2/} accepts when anonymous
     * pulls are allowed.
     */
    public Decision authorize(Optional<String> authorizationHeader, String clientAddress,
            Optional<ResourceScope> required) {
        if (required.isPresent() && required.get().actions().isEmpty()) {
            throw new IllegalArgumentException("a required scope names at least one action: " + required.get());
        }
        if (htpasswd.isEmpty()) {
            return new Decision.Granted(Optional.empty());
        }
        if (authorizationHeader.isEmpty()) {
            if (required.isPresent() && allows(policy.grant(Optional.empty(), required.get()), required.get())) {
                return new Decision.Granted(Optional.empty());
            }
            return challenge(required, Optional.empty(), AUTHENTICATION_REQUIRED);
        }
        Optional<Credentials> credentials = Credentials.parse(authorizationHeader.get());
        if (credentials.isEmpty()) {
            return challenge(required, Optional.empty(), "malformed Authorization header");
        }
        return switch (credentials.get().scheme()) {
            case Credentials.BEARER -> authorizeToken(credentials.get().value(), required);
            case Credentials.BASIC -> authorizeBasic(credentials.get(), clientAddress, required);
            default -> challenge(required, Optional.empty(),
                    "unsupported authorization scheme: use Bearer (a token from " + realm + ") or Basic");
        };
    }

    private Decision authorizeToken(String jwt, Optional<ResourceScope> required) {
        Optional<VerifiedToken> verified = tokens.verify(jwt);
        if (verified.isEmpty()) {
            return challenge(required, Optional.of("invalid_token"),
                    "invalid or expired token: get a new one from " + realm);
        }
        Optional<String> subject = verified.get().subject();
        if (required.isEmpty()) {
            if (subject.isPresent() || policy.anonymousPull()) {
                return new Decision.Granted(subject);
            }
            return challenge(required, Optional.empty(), AUTHENTICATION_REQUIRED);
        }
        ResourceScope needed = required.get();
        // The policy is asked again: a repository made private since the token was issued is closed at once.
        if (allows(tokenActions(verified.get().access(), needed), needed) && allows(policy.grant(subject, needed), needed)) {
            return new Decision.Granted(subject);
        }
        if (subject.isPresent() && !allows(policy.grant(subject, needed), needed)) {
            return new Decision.Denied(denial(subject.get(), needed));
        }
        // A new token may well carry this access (the client asked for too little, or is anonymous).
        return challenge(required, Optional.of("insufficient_scope"),
                "the token does not grant " + needed + ": get a token for that scope from " + realm);
    }

    private Decision authorizeBasic(Credentials credentials, String clientAddress, Optional<ResourceScope> required) {
        Optional<Credentials.Basic> basic = credentials.basic();
        if (basic.isEmpty()) {
            return challenge(required, Optional.empty(), "malformed Basic credentials");
        }
        return switch (logIn(basic.get(), clientAddress)) {
            case Login.Wait(Duration retryAfter) -> new Decision.Throttled(retryAfter);
            case Login.Refused(String message) -> challenge(required, Optional.empty(), message);
            case Login.LoggedIn(String user) -> {
                if (required.isEmpty() || allows(policy.grant(Optional.of(user), required.get()), required.get())) {
                    yield new Decision.Granted(Optional.of(user));
                }
                yield new Decision.Denied(denial(user, required.get()));
            }
        };
    }

    /** The outcome of a password check. */
    public sealed interface Login {
        record LoggedIn(String user) implements Login {
        }

        record Refused(String message) implements Login {
        }

        record Wait(Duration retryAfter) implements Login {
        }
    }

    /**
     * Checks a password for the web pages' sign-in, throttled together with the token endpoint and Basic
     * auth; wipes the password. Auth must be on.
     */
    public Login logIn(String user, char[] password, String clientAddress) {
        if (htpasswd.isEmpty()) {
            throw new IllegalStateException("the registry has no accounts");
        }
        return logIn(new Credentials.Basic(user, password), clientAddress);
    }

    /** The accounts, or empty when auth is off. */
    public Optional<Htpasswd> accounts() {
        return htpasswd;
    }

    public AccessPolicy policy() {
        return policy;
    }

    /** Checks a password, throttled; wipes the password in every case. */
    private Login logIn(Credentials.Basic basic, String clientAddress) {
        try {
            Optional<Duration> wait = throttle.check(clientAddress, basic.user());
            if (wait.isPresent()) {
                return new Login.Wait(wait.get());
            }
            if (!htpasswd.orElseThrow().verify(basic.user(), basic.password())) {
                throttle.recordFailure(clientAddress, basic.user());
                return new Login.Refused(BAD_CREDENTIALS);
            }
            throttle.recordSuccess(clientAddress, basic.user());
            return new Login.LoggedIn(basic.user());
        } finally {
            basic.clear();
        }
    }

    private Decision.Challenge challenge(Optional<ResourceScope> required, Optional<String> error, String message) {
        StringBuilder header = new StringBuilder()
                .append("Bearer realm=\"").append(realm).append("\",service=\"").append(service).append('"');
        required.ifPresent(scope -> header.append(",scope=\"").append(scope).append('"'));
        error.ifPresent(e -> header.append(",error=\"").append(e).append('"'));
        return new Decision.Challenge(header.toString(), message);
    }

    /** The scopes asked for, one entry per resource with the union of its actions, at most MAX_SCOPES. */
    private static List<ResourceScope> requestedScopes(List<String> scopeParams) {
        Map<String, ResourceScope> byResource = new LinkedHashMap<>();
        for (String param : scopeParams) {
            for (ResourceScope scope : Scope.parse(param)) {
                String key = scope.type() + ":" + scope.name();
                ResourceScope known = byResource.get(key);
                if (known != null) {
                    Set<String> actions = new LinkedHashSet<>(known.actions());
                    actions.addAll(scope.actions());
                    byResource.put(key, new ResourceScope(scope.type(), scope.name(), actions));
                } else if (byResource.size() < MAX_SCOPES) {
                    byResource.put(key, scope);
                }
            }
        }
        return List.copyOf(byResource.values());
    }

    /** Every action a token grants on the resource of {@code needed}, over all its entries for it. */
    private static Set<String> tokenActions(List<ResourceScope> access, ResourceScope needed) {
        Set<String> actions = new LinkedHashSet<>();
        for (ResourceScope entry : access) {
            if (entry.type().equals(needed.type()) && entry.name().equals(needed.name())) {
                actions.addAll(entry.actions());
            }
        }
        return actions;
    }

    private static boolean allows(Set<String> granted, ResourceScope needed) {
        return granted.contains(ResourceScope.ALL) || granted.containsAll(needed.actions());
    }

    private String denial(String user, ResourceScope needed) {
        String actions = String.join(",", needed.actions());
        if (needed.type().equals(ResourceScope.REPOSITORY)) {
            RepositoryName name = RepositoryName.parse(needed.name());
            String owners = name.hasNamespace()
                    ? "only user " + name.namespace() + " and admins may"
                    : "only admins may, as it is outside any user's namespace";
            return "requested access to the resource is denied: " + user + " may not " + actions + " "
                    + needed.name() + "; " + owners;
        }
        return "requested access to the resource is denied: " + user + " may not " + actions + " " + needed;
    }
}
