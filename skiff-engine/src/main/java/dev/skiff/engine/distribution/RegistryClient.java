package dev.skiff.engine.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
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
 * Talks to one repository of one registry with the distribution API: HTTP for loopback hosts (docker's
 * default insecure range 127.0.0.0/8) and {@code --insecure-registry} ones, HTTPS otherwise.
 * Authorization follows the registry's challenge: Basic with the credentials, or a Bearer token from
 * the realm (docker's token flow) for all the scopes the operation needs at once (a push asks for
 * {@code pull,push} on its repository and {@code pull} on the ones it mounts from), fetched once and
 * reused for every request.
 */
final class RegistryClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER_AGENT = "skiff";

    private final HttpClient http;
    private final String base;
    private final String repository;
    private final Optional<Credentials> credentials;
    private final List<String> scopes;
    private volatile Optional<String> authorization = Optional.empty();

    RegistryClient(HttpClient http, String registryHost, String repository, Optional<Credentials> credentials) {
        this(http, RegistryHosts.DEFAULT, registryHost, repository, credentials, List.of("repository:" + repository + ":pull"));
    }

    /** @param scopes the token scopes to ask for, such as {@code repository:alice/app:pull,push} */
    RegistryClient(HttpClient http, RegistryHosts hosts, String registryHost, String repository, Optional<Credentials> credentials,
                   List<String> scopes) {
        this.http = http;
        this.base = hosts.baseUrl(registryHost);
        this.repository = repository;
        this.credentials = credentials;
        this.scopes = List.copyOf(scopes);
    }

    /** {@code http://host:port}, as messages name the registry. */
    String base() {
        return base;
    }

    /** {@code <base>/v2/<repository><rest>}. */
    URI uri(String rest) {
        return URI.create(base + "/v2/" + repository + rest);
    }

    /** A {@code Location} header: absolute, or relative to the registry. */
    URI location(String location) {
        return URI.create(base + "/").resolve(location);
    }

    /**
     * Any request, authorizing as the registry asks: on a 401 the challenge is answered and the request
     * sent once more (which is why the body comes from a supplier). The caller closes the body.
     */
    HttpResponse<InputStream> send(String method, URI uri, java.util.Map<String, String> headers,
                                   java.util.function.Supplier<HttpRequest.BodyPublisher> body) {
        HttpResponse<InputStream> response = sendOnce(method, uri, headers, body.get());
        if (response.statusCode() == 401) {
            Optional<String> challenge = response.headers().firstValue("WWW-Authenticate");
            if (challenge.isEmpty()) {
                return response;
            }
            discard(response);
            authorize(challenge.get());
            response = sendOnce(method, uri, headers, body.get());
        }
        return response;
    }

    private HttpResponse<InputStream> sendOnce(String method, URI uri, java.util.Map<String, String> headers,
                                               HttpRequest.BodyPublisher body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).method(method, body).timeout(Duration.ofMinutes(30))
                .header("User-Agent", USER_AGENT);
        headers.forEach(b::header);
        authorization.ifPresent(a -> b.header("Authorization", a));
        return send(b.build());
    }

    /**
     * The daemon's one HTTP client (pull, push and login share its connections and its one selector
     * thread); its work runs on virtual threads, so no pool of idle platform threads outlives a pull.
     */
    static HttpClient newHttpClient() {
        return Shared.CLIENT;
    }

    private static final class Shared {
        static final HttpClient CLIENT = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30))
                .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()).build();
    }

    static boolean isLoopback(String hostAndPort) {
        String host = hostAndPort;
        if (host.startsWith("[")) {
            host = host.substring(1, Math.max(1, host.indexOf(']')));
        } else if (host.indexOf(':') >= 0) {
            host = host.substring(0, host.indexOf(':'));
        }
        return host.equalsIgnoreCase("localhost") || host.equals("::1") || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    String repository() {
        return repository;
    }

    /** {@code GET /v2/<name>/<kind>/<reference>}, authorizing as the registry asks; the caller closes the body. */
    HttpResponse<InputStream> get(String kind, String reference, List<String> accept) {
        URI uri = URI.create(base + "/v2/" + repository + "/" + kind + "/" + reference);
        HttpResponse<InputStream> response = send(uri, accept);
        if (response.statusCode() == 401) {
            Optional<String> challenge = response.headers().firstValue("WWW-Authenticate");
            discard(response);
            authorize(challenge.orElseThrow(() -> new DistributionException("the registry " + base
                    + " answered 401 Unauthorized without a WWW-Authenticate challenge")));
            response = send(uri, accept);
        }
        return response;
    }

    /**
     * The rest of a blob from {@code offset} on, to resume a download: a ranged GET; a registry that
     * ignores the range sends it all and the bytes before {@code offset} are skipped.
     */
    InputStream blobFrom(String digest, long offset) throws IOException {
        URI uri = URI.create(base + "/v2/" + repository + "/blobs/" + digest);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(Duration.ofMinutes(10)).header("User-Agent", USER_AGENT)
                .header("Range", "bytes=" + offset + "-");
        authorization.ifPresent(a -> b.header("Authorization", a));
        HttpResponse<InputStream> response;
        try {
            response = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while resuming the download of " + digest);
        }
        InputStream body = response.body();
        if (response.statusCode() == 206) {
            String range = response.headers().firstValue("Content-Range").orElse("");
            if (!range.startsWith("bytes " + offset + "-")) {
                body.close();
                throw new IOException("the registry answered the range request for " + digest + " from byte " + offset
                        + " with the range '" + range + "'");
            }
            return body;
        }
        if (response.statusCode() == 200) {
            body.skipNBytes(offset);
            return body;
        }
        discard(response);
        throw new IOException("the registry answered HTTP " + response.statusCode() + " when asked for " + digest + " again");
    }

    private HttpResponse<InputStream> send(URI uri, List<String> accept) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(Duration.ofMinutes(10)).header("User-Agent", USER_AGENT);
        accept.forEach(a -> b.header("Accept", a));
        authorization.ifPresent(a -> b.header("Authorization", a));
        return send(b.build());
    }

    private HttpResponse<InputStream> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new DistributionException("cannot reach the registry at " + base + ": " + describe(e)
                    + "; check the address and that the registry is running", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DistributionException("the request to " + base + " was interrupted", e);
        }
    }

    /** Answers a challenge: Basic directly, Bearer by fetching a token from the realm. */
    void authorize(String header) {
        List<AuthChallenge> challenges = AuthChallenge.parse(header);
        Optional<AuthChallenge> bearer = challenges.stream().filter(c -> c.scheme().equals("bearer")).findFirst();
        if (bearer.isPresent()) {
            authorization = Optional.of("Bearer " + fetchToken(bearer.get()));
            return;
        }
        if (challenges.stream().anyMatch(c -> c.scheme().equals("basic"))) {
            Credentials c = credentials.orElseThrow(() -> new DistributionException("the registry " + base
                    + " requires a login: log in with docker login " + base.replaceFirst("^https?://", "")));
            authorization = Optional.of(basic(c));
            return;
        }
        throw new DistributionException("the registry " + base + " asks for an authentication scheme skiff does not know: " + header);
    }

    private String fetchToken(AuthChallenge challenge) {
        String realm = challenge.param("realm").orElseThrow(() ->
                new DistributionException("the registry " + base + " sent a Bearer challenge without a realm"));
        StringBuilder query = new StringBuilder();
        challenge.param("service").ifPresent(s -> query.append("service=").append(URLEncoder.encode(s, StandardCharsets.UTF_8)));
        java.util.LinkedHashSet<String> wanted = new java.util.LinkedHashSet<>(scopes);
        challenge.param("scope").ifPresent(wanted::add);
        for (String scope : wanted) {
            query.append(query.isEmpty() ? "" : "&").append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
        }
        URI uri;
        try {
            uri = URI.create(realm + (realm.contains("?") ? "&" : "?") + query);
        } catch (IllegalArgumentException e) {
            throw new DistributionException("the registry " + base + " named an invalid token realm: " + realm, e);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(Duration.ofMinutes(1)).header("User-Agent", USER_AGENT);
        credentials.ifPresent(c -> b.header("Authorization", basic(c)));
        HttpResponse<InputStream> response = send(b.build());
        byte[] body = readAll(response);
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            throw new DistributionException("unauthorized: the token service " + realm + " refused "
                    + credentials.map(c -> "user " + c.username()).orElse("anonymous access")
                    + " (" + ErrorBody.describe(body).orElse("HTTP " + response.statusCode()) + "); log in with docker login");
        }
        if (response.statusCode() / 100 != 2) {
            throw new DistributionException("the token service " + realm + " answered HTTP " + response.statusCode()
                    + ErrorBody.describe(body).map(d -> ": " + d).orElse(""));
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

    private static String basic(Credentials c) {
        return "Basic " + Base64.getEncoder().encodeToString((c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8));
    }

    static byte[] readAll(HttpResponse<InputStream> response) {
        try (InputStream in = response.body()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new DistributionException("the registry's answer broke off: " + describe(e), e);
        }
    }

    static void discard(HttpResponse<InputStream> response) {
        try (InputStream in = response.body()) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the connection is gone; nothing was wanted from it
        }
    }

    static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The distribution API's {@code {"errors":[{"code","message"}]}} body, as docker prints it. */
    static final class ErrorBody {
        private ErrorBody() {
        }

        /** {@code manifest unknown: manifest unknown}: the code in words, then the message (distribution's errcode.Error). */
        static Optional<String> describe(byte[] body) {
            try {
                JsonNode errors = JSON.readTree(body).path("errors");
                if (errors.isArray() && !errors.isEmpty()) {
                    JsonNode first = errors.get(0);
                    String code = first.path("code").asText("").toLowerCase(Locale.ROOT).replace('_', ' ');
                    String message = first.path("message").asText("");
                    return Optional.of(code.isEmpty() ? message : code + ": " + message);
                }
            } catch (IOException | RuntimeException ignored) {
                // not the registry's JSON: the status alone says it
            }
            return Optional.empty();
        }
    }
}
