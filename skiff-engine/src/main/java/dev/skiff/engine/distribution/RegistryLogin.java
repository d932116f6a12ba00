package dev.skiff.engine.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code docker login}'s registry side (dockerd's loginV2): {@code GET /v2/} to learn the challenge;
 * for Bearer, a token from the realm with Basic credentials and no scope ({@code account},
 * {@code client_id=docker}, {@code offline_token=true}), then {@code GET /v2/} with it; for Basic,
 * {@code GET /v2/} with the credentials. Errors carry dockerd's wording.
 */
public final class RegistryLogin {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER_AGENT = "skiff";
    /** Where {@code docker login} without a server goes, and what it stores the credentials under. */
    public static final String DEFAULT_SERVER = "https://index.docker.io/v1/";

    private final HttpClient http;

    public RegistryLogin() {
        this(RegistryClient.newHttpClient());
    }

    RegistryLogin(HttpClient http) {
        this.http = http;
    }

    /** The registry host ({@code host[:port]}) a {@code serveraddress} names, as dockerd normalizes it. */
    public static String registryHost(String serverAddress) {
        String s = serverAddress.strip();
        if (s.isEmpty()) {
            return "registry-1.docker.io";
        }
        s = s.replaceFirst("^(?i)https?://", "");
        int slash = s.indexOf('/');
        if (slash >= 0) {
            s = s.substring(0, slash);
        }
        s = s.toLowerCase(Locale.ROOT);
        if (s.equals("docker.io") || s.equals("index.docker.io") || s.equals("registry-1.docker.io")) {
            return "registry-1.docker.io";
        }
        return s;
    }

    /**
     * Checks the credentials against the registry.
     *
     * @throws LoginRefused          when the registry refuses the credentials
     * @throws DistributionException when the registry cannot be reached or answers nonsense
     */
    public void login(String serverAddress, Credentials credentials) {
        String host = registryHost(serverAddress);
        if (host.isEmpty() || host.contains(" ")) {
            throw new DistributionException("invalid registry address \"" + serverAddress + "\": give HOST[:PORT]");
        }
        String endpoint = (RegistryClient.isLoopback(host) ? "http://" : "https://") + host + "/v2/";
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw new DistributionException("invalid registry address \"" + serverAddress + "\": give HOST[:PORT]", e);
        }
        HttpResponse<InputStream> ping = get(uri, Optional.empty());
        RegistryClient.discard(ping);
        String authorization = basic(credentials);
        if (ping.statusCode() == 401) {
            List<AuthChallenge> challenges = ping.headers().firstValue("WWW-Authenticate").map(AuthChallenge::parse).orElse(List.of());
            Optional<AuthChallenge> bearer = challenges.stream().filter(c -> c.scheme().equals("bearer")).findFirst();
            if (bearer.isPresent()) {
                authorization = "Bearer " + token(endpoint, bearer.get(), credentials);
            }
        }
        HttpResponse<InputStream> check = get(uri, Optional.of(authorization));
        RegistryClient.discard(check);
        if (check.statusCode() != 200) {
            throw new LoginRefused("login attempt to " + endpoint + " failed with status: " + check.statusCode() + " "
                    + reason(check.statusCode()));
        }
    }

    private String token(String endpoint, AuthChallenge challenge, Credentials credentials) {
        String realm = challenge.param("realm").orElseThrow(() ->
                new DistributionException("the registry at " + endpoint + " sent a Bearer challenge without a realm"));
        StringBuilder query = new StringBuilder("account=").append(URLEncoder.encode(credentials.username(), StandardCharsets.UTF_8))
                .append("&client_id=docker&offline_token=true");
        challenge.param("service").ifPresent(s -> query.append("&service=").append(URLEncoder.encode(s, StandardCharsets.UTF_8)));
        URI uri;
        try {
            uri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
        } catch (IllegalArgumentException e) {
            throw new DistributionException("the registry at " + endpoint + " named an invalid token realm: " + realm, e);
        }
        HttpResponse<InputStream> response = get(uri, Optional.of(basic(credentials)));
        byte[] body = RegistryClient.readAll(response);
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new LoginRefused("Get \"" + endpoint + "\": " + RegistryClient.ErrorBody.describe(body)
                    .orElse("unauthorized: " + reason(response.statusCode())));
        }
        if (response.statusCode() / 100 != 2) {
            throw new DistributionException("Get \"" + endpoint + "\": the token service " + realm + " answered HTTP "
                    + response.statusCode() + RegistryClient.ErrorBody.describe(body).map(d -> ": " + d).orElse(""));
        }
        try {
            JsonNode json = JSON.readTree(body);
            String token = json.path("token").asText(json.path("access_token").asText(""));
            if (token.isEmpty()) {
                throw new DistributionException("the token service " + realm + " answered without a token");
            }
            return token;
        } catch (IOException e) {
            throw new DistributionException("the token service " + realm + " did not answer JSON: " + e.getMessage(), e);
        }
    }

    private HttpResponse<InputStream> get(URI uri, Optional<String> authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(Duration.ofSeconds(30)).header("User-Agent", USER_AGENT);
        authorization.ifPresent(a -> b.header("Authorization", a));
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException e) {
            throw new DistributionException("Get \"" + uri + "\": dial tcp " + uri.getAuthority() + ": connect: connection refused"
                    + "; check the address and that the registry is running", e);
        } catch (IOException e) {
            throw new DistributionException("Get \"" + uri + "\": " + RegistryClient.describe(e)
                    + "; check the address and that the registry is running", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DistributionException("the login was interrupted", e);
        }
    }

    private static String basic(Credentials c) {
        return "Basic " + Base64.getEncoder().encodeToString((c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8));
    }

    private static String reason(int status) {
        return switch (status) {
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            default -> "";
        };
    }

    /** The registry refused the credentials; docker answers it as unauthorized. */
    public static final class LoginRefused extends dev.skiff.engine.EngineException {
        LoginRefused(String message) {
            super(message);
        }
    }
}
