package dev.skiff.registry.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.skiff.formats.RepositoryName;
import dev.skiff.http.Exchange;
import dev.skiff.http.ExchangeHandler;
import dev.skiff.registry.api.RegistryException;
import dev.skiff.registry.auth.Authenticator;
import dev.skiff.registry.store.RegistryStore;
import dev.skiff.registry.store.RepositoryInfoStore;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything the registry serves besides {@code /v2/} and {@code /token}: the JSON API under {@code /api/}
 * and the HTML pages ({@link WebPages}).
 *
 * <p>Callers are signed in by the session cookie {@code POST /api/session} (or the sign-in page) sets, or, for
 * scripts, by Basic credentials on each request; both go through the registry's login throttle. A request
 * that changes something with the cookie must carry the session's CSRF token, in the {@code X-CSRF-Token}
 * header or the {@code _csrf} form field. A POST without a session must be JSON, which a cross-site HTML form
 * cannot send.
 */
public final class WebSite implements ExchangeHandler {
    static final String CSRF_HEADER = "X-CSRF-Token";
    static final String CSRF_FIELD = "_csrf";
    private static final String JSON_TYPE = "application/json; charset=utf-8";
    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Instant.class, ToStringSerializer.instance))
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private static final Pattern REPOSITORY = Pattern.compile("^/api/repositories/(.+)$");
    private static final Pattern TAG = Pattern.compile("^/api/repositories/(.+)/tags/([^/]+)$");

    private final RepositoryService service;
    private final Authenticator auth;
    private final Sessions sessions;
    private final WebPages pages;

    public WebSite(RegistryStore store, RepositoryInfoStore infos, Authenticator auth) {
        this.service = new RepositoryService(store, infos, auth);
        this.auth = auth;
        this.sessions = new Sessions(infos.clock(), infos.driver());
        this.pages = new WebPages(this, service);
    }

    @Override
    public void handle(Exchange ex) throws InterruptedException {
        boolean api = ex.path().equals("/api") || ex.path().startsWith("/api/");
        try {
            try {
                if (api) {
                    api(ex);
                } else {
                    pages.handle(ex);
                }
            } catch (RegistryException e) {
                // From the store, e.g. a tag deleted by someone else meanwhile: same status and message.
                throw new WebException(e.status(), e.code().name(), e.getMessage());
            }
        } catch (WebException e) {
            if (api) {
                sendError(ex, e);
            } else {
                pages.sendError(ex, e);
            }
        } catch (Exchange.ConnectionLost e) {
            throw e;
        } catch (UncheckedIOException | IllegalStateException e) {
            System.err.println("skiff registry: " + ex.method() + " " + ex.path() + " failed: " + e);
            WebException failure = new WebException(500, "UNKNOWN",
                    "the registry could not complete the request: " + e.getMessage() + "; check the server's log and disk");
            if (api) {
                sendError(ex, failure);
            } else {
                pages.sendError(ex, failure);
            }
        }
    }

    // ---- callers, sessions, CSRF ------------------------------------------------------------------

    /** Who sent the request: Basic credentials if given, else the session cookie, else anonymous. */
    Caller caller(Exchange ex) {
        Optional<String> authorization = ex.header(HttpHeaderNames.AUTHORIZATION);
        if (authorization.isPresent() && service.authEnabled()) {
            String value = authorization.get().strip();
            if (!value.regionMatches(true, 0, "Basic ", 0, 6)) {
                throw WebException.unauthorized("the web API takes Basic credentials (user name and password) or the"
                        + " session cookie from POST /api/session");
            }
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(value.substring(6).strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw WebException.unauthorized("malformed Basic credentials: expected base64(user:password)");
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                throw WebException.unauthorized("malformed Basic credentials: expected base64(user:password)");
            }
            String user = signIn(ex, decoded.substring(0, colon), decoded.substring(colon + 1));
            return new Caller(Optional.of(user), Optional.empty());
        }
        if (!service.authEnabled()) {
            return Caller.ANONYMOUS;
        }
        return Requests.cookie(ex, Sessions.COOKIE).flatMap(sessions::find)
                .map(s -> new Caller(Optional.of(s.user()), Optional.of(s))).orElse(Caller.ANONYMOUS);
    }

    /** Checks a password through the shared login throttle; the user name on success. */
    String signIn(Exchange ex, String user, String password) {
        if (!service.authEnabled()) {
            throw WebException.badRequest("this registry has no accounts: everyone may do everything without signing in");
        }
        if (user == null || user.isBlank() || password == null || password.isEmpty()) {
            throw WebException.badRequest("username and password are both required");
        }
        return switch (auth.logIn(user, password.toCharArray(), ex.clientAddress())) {
            case Authenticator.Login.LoggedIn l -> l.user();
            case Authenticator.Login.Refused r -> throw WebException.unauthorized(r.message());
            case Authenticator.Login.Wait w -> throw RepositoryService.throttled(w.retryAfter());
        };
    }

    Sessions.Session startSession(String user) {
        return sessions.create(user);
    }

    void endSession(Caller caller) {
        caller.session().ifPresent(s -> sessions.end(s.id()));
    }

    static String sessionCookie(Exchange ex, Sessions.Session session) {
        return Sessions.COOKIE + "=" + session.id() + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
                + Sessions.LIFETIME.toSeconds() + (ex.baseUrl().startsWith("https:") ? "; Secure" : "");
    }

    static String clearedCookie(Exchange ex) {
        return Sessions.COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
                + (ex.baseUrl().startsWith("https:") ? "; Secure" : "");
    }

    /**
     * Refuses a state-changing request that a cross-site page could have made: with the session cookie, the
     * CSRF token must match; without it, the body must be JSON (HTML forms cannot send that cross-site).
     */
    static void checkCsrf(Exchange ex, Caller caller, Map<String, String> fields, boolean cookieless) {
        if (caller.session().isPresent()) {
            String token = ex.header(CSRF_HEADER).orElse(fields.get(CSRF_FIELD));
            if (!caller.session().get().csrfMatches(token)) {
                throw new WebException(403, "CSRF", (token == null ? "missing" : "wrong") + " CSRF token: send the"
                        + " token from GET /api/session (or from the page's form) in the " + CSRF_HEADER
                        + " header or the " + CSRF_FIELD + " form field; reload the page if it is old");
            }
        } else if (cookieless && ex.method().equals(HttpMethod.POST) && !Requests.isJson(ex)) {
            throw new WebException(415, "UNSUPPORTED_MEDIA_TYPE", "without a session cookie, send the body as"
                    + " application/json");
        }
    }

    void passwordChanged(Caller caller) {
        caller.user().ifPresent(u -> sessions.endAllOf(u, caller.session().map(Sessions.Session::id).orElse("")));
    }

    // ---- JSON API ---------------------------------------------------------------------------------

    private void api(Exchange ex) throws InterruptedException {
        String path = ex.path();
        HttpMethod m = ex.method();
        if (path.equals("/api/session")) {
            session(ex, m);
            return;
        }
        Caller caller = caller(ex);
        Map<String, String> fields = Map.of();
        if (Requests.changesState(m)) {
            fields = Requests.fields(ex);
            checkCsrf(ex, caller, fields, true);
        }
        Matcher match;
        if (path.equals("/api/repositories")) {
            if (m.equals(HttpMethod.GET)) {
                var page = service.list(caller, ex.query("q").orElse(""),
                        Requests.intParam(ex.query("page"), "page", 1),
                        Requests.intParam(ex.query("per_page"), "per_page", RepositoryService.DEFAULT_PER_PAGE));
                ObjectNode body = JSON.createObjectNode();
                body.set("repositories", JSON.valueToTree(page.items()));
                body.put("page", page.page());
                body.put("per_page", page.perPage());
                body.put("total", page.total());
                body.put("pages", page.pages());
                send(ex, 200, body, Map.of());
            } else if (m.equals(HttpMethod.POST)) {
                RepositoryName name = service.create(caller, fields.get("name"), fields.get("description"),
                        fields.get("visibility"));
                send(ex, 201, service.detail(caller, name.value()),
                        Map.of("Location", "/api/repositories/" + name.value()));
            } else {
                throw unsupported(m, "GET, POST");
            }
        } else if ((match = TAG.matcher(path)).matches() && isRepository(match.group(1))) {
            if (m.equals(HttpMethod.GET)) {
                send(ex, 200, service.tag(caller, match.group(1), match.group(2)), Map.of());
            } else if (m.equals(HttpMethod.DELETE)) {
                service.deleteTag(caller, match.group(1), match.group(2));
                ex.send(204, Map.of(), new byte[0], null);
            } else {
                throw unsupported(m, "GET, DELETE");
            }
        } else if ((match = REPOSITORY.matcher(path)).matches()) {
            String name = match.group(1);
            if (m.equals(HttpMethod.GET)) {
                send(ex, 200, service.detail(caller, name, Requests.intParam(ex.query("page"), "page", 1),
                        Requests.intParam(ex.query("per_page"), "per_page", RepositoryService.DEFAULT_TAGS_PER_PAGE)),
                        Map.of());
            } else if (m.equals(HttpMethod.PATCH)) {
                service.update(caller, name, Optional.ofNullable(fields.get("description")),
                        Optional.ofNullable(fields.get("visibility")));
                send(ex, 200, service.detail(caller, name), Map.of());
            } else {
                throw unsupported(m, "GET, PATCH");
            }
        } else if (path.equals("/api/account/password")) {
            if (!m.equals(HttpMethod.POST)) {
                throw unsupported(m, "POST");
            }
            service.changePassword(caller, ex.clientAddress(), fields.get("current_password"), fields.get("new_password"));
            passwordChanged(caller);
            ex.send(204, Map.of(), new byte[0], null);
        } else {
            throw WebException.notFound("no such API endpoint: " + path
                    + "; see /api/repositories and /api/session");
        }
    }

    /** {@code alice/tags} in /api/repositories/alice/tags/x may be a repository; prefer its tag x if so. */
    private boolean isRepository(String text) {
        return RepositoryName.isValid(text) && service.exists(RepositoryName.parse(text));
    }

    private void session(Exchange ex, HttpMethod m) throws InterruptedException {
        if (m.equals(HttpMethod.GET)) {
            Caller caller = caller(ex);
            if (caller.user().isEmpty()) {
                throw WebException.unauthorized("not signed in: POST /api/session with username and password");
            }
            send(ex, 200, sessionBody(caller.user().get(), caller.csrfToken()), Map.of());
        } else if (m.equals(HttpMethod.POST)) {
            if (!Requests.isJson(ex)) {
                // A cross-site HTML form cannot send JSON, so it cannot sign a visitor in to another account.
                throw new WebException(415, "UNSUPPORTED_MEDIA_TYPE", "send {\"username\": ..., \"password\": ...}"
                        + " as application/json");
            }
            Map<String, String> fields = Requests.fields(ex);
            String user = signIn(ex, fields.get("username"), fields.get("password"));
            Sessions.Session session = startSession(user);
            send(ex, 200, sessionBody(user, session.csrfToken()), Map.of("Set-Cookie", sessionCookie(ex, session)));
        } else if (m.equals(HttpMethod.DELETE)) {
            Caller caller = caller(ex);
            checkCsrf(ex, caller, Map.of(), true);
            endSession(caller);
            ex.send(204, Map.of("Set-Cookie", clearedCookie(ex)), new byte[0], null);
        } else {
            throw unsupported(m, "GET, POST, DELETE");
        }
    }

    private ObjectNode sessionBody(String user, String csrf) {
        ObjectNode body = JSON.createObjectNode();
        body.put("user", user);
        body.put("admin", auth.policy().isAdmin(Optional.of(user)));
        body.put("csrf_token", csrf);
        return body;
    }

    private static WebException unsupported(HttpMethod m, String allowed) {
        return new WebException(405, "UNSUPPORTED", "method " + m + " is not supported here; use " + allowed)
                .withHeader("Allow", allowed);
    }

    private static void send(Exchange ex, int status, Object body, Map<String, String> headers) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.put("Cache-Control", "no-store");
        try {
            byte[] bytes = JSON.writeValueAsBytes(body);
            byte[] withNewline = java.util.Arrays.copyOf(bytes, bytes.length + 1);
            withNewline[bytes.length] = '\n';
            ex.send(status, all, withNewline, JSON_TYPE);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sendError(Exchange ex, WebException e) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("code", e.code());
        error.put("message", e.getMessage());
        send(ex, e.status(), body, e.headers());
    }
}
