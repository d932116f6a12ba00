package dev.skiff.registry.web;

import dev.skiff.formats.RepositoryName;
import dev.skiff.http.Exchange;
import io.netty.handler.codec.http.HttpMethod;
import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.loader.ClasspathLoader;
import io.pebbletemplates.pebble.template.PebbleTemplate;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTML pages, rendered on the server with Pebble (auto-escaping on, so every value is text, never markup).
 * Every page reads without JavaScript; {@code /static/site.js} only adds the copy button. Forms post back to
 * the page's own address with the session's CSRF token and answer with a redirect (POST/redirect/GET), or with
 * the form again and the error when the input is wrong.
 */
final class WebPages {
    private static final String HTML_TYPE = "text/html; charset=utf-8";
    static final String LOGIN_COOKIE = "skiff_login";
    private static final Map<String, String> PAGE_HEADERS = Map.of(
            "Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self';"
                    + " form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            "X-Frame-Options", "DENY",
            "Referrer-Policy", "same-origin",
            "Cache-Control", "no-store");
    private static final Map<String, String> STATIC = Map.of(
            "/static/site.css", "text/css; charset=utf-8",
            "/static/site.js", "text/javascript; charset=utf-8");

    private static final Pattern DELETE_TAG = Pattern.compile("^/r/(.+)/tags/([^/]+)/delete$");
    private static final Pattern TAG = Pattern.compile("^/r/(.+)/tags/([^/]+)$");
    private static final Pattern SETTINGS = Pattern.compile("^/r/(.+)/settings$");
    private static final Pattern REPOSITORY = Pattern.compile("^/r/(.+)$");

    private final WebSite site;
    private final RepositoryService service;
    private final PebbleEngine engine;
    private final Map<String, byte[]> statics = new HashMap<>();

    WebPages(WebSite site, RepositoryService service) {
        this.site = site;
        this.service = service;
        ClasspathLoader loader = new ClasspathLoader(WebPages.class.getClassLoader());
        loader.setPrefix("dev/skiff/registry/web/templates");
        loader.setSuffix(".peb");
        this.engine = new PebbleEngine.Builder().loader(loader).autoEscaping(true).strictVariables(false)
                .defaultLocale(Locale.ROOT).extension(new PageFilters(service::now)).build();
        for (String path : STATIC.keySet()) {
            try (InputStream in = WebPages.class.getResourceAsStream(path.substring(1))) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + path);
                }
                statics.put(path, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    void handle(Exchange ex) throws InterruptedException {
        String path = ex.path();
        HttpMethod m = ex.method();
        if (STATIC.containsKey(path)) {
            allowed(m, HttpMethod.GET, HttpMethod.HEAD);
            ex.send(200, Map.of("Cache-Control", "max-age=300"), statics.get(path), STATIC.get(path));
            return;
        }
        Caller caller = site.caller(ex);
        Matcher match;
        switch (path) {
            case "/" -> {
                allowed(m, HttpMethod.GET, HttpMethod.HEAD);
                home(ex, caller);
                return;
            }
            case "/login" -> {
                login(ex, caller);
                return;
            }
            case "/logout" -> {
                logout(ex, caller);
                return;
            }
            case "/new" -> {
                create(ex, caller);
                return;
            }
            case "/account" -> {
                account(ex, caller);
                return;
            }
            default -> {
            }
        }
        if ((match = DELETE_TAG.matcher(path)).matches() && isRepository(match.group(1))) {
            allowed(m, HttpMethod.POST);
            formFields(ex, caller);
            service.deleteTag(caller, match.group(1), match.group(2));
            redirect(ex, "/r/" + match.group(1), Map.of());
        } else if ((match = TAG.matcher(path)).matches() && isRepository(match.group(1))) {
            allowed(m, HttpMethod.GET, HttpMethod.HEAD);
            Map<String, Object> model = model(ex, caller);
            model.put("t", service.tag(caller, match.group(1), match.group(2)));
            render(ex, 200, "tag", model, Map.of());
        } else if ((match = SETTINGS.matcher(path)).matches() && isRepository(match.group(1))) {
            allowed(m, HttpMethod.POST);
            Map<String, String> fields = formFields(ex, caller);
            service.update(caller, match.group(1), Optional.ofNullable(fields.get("description")),
                    Optional.ofNullable(fields.get("visibility")));
            redirect(ex, "/r/" + match.group(1), Map.of());
        } else if ((match = REPOSITORY.matcher(path)).matches()) {
            allowed(m, HttpMethod.GET, HttpMethod.HEAD);
            repository(ex, caller, match.group(1));
        } else {
            throw WebException.notFound("there is no page at " + path);
        }
    }

    private boolean isRepository(String text) {
        return RepositoryName.isValid(text) && service.exists(RepositoryName.parse(text));
    }

    // ---- pages --------------------------------------------------------------------------------------

    private void home(Exchange ex, Caller caller) {
        String q = ex.query("q").orElse("");
        var page = service.list(caller, q, Requests.intParam(ex.query("page"), "page", 1), RepositoryService.DEFAULT_PER_PAGE);
        Map<String, Object> model = model(ex, caller);
        model.put("q", q);
        model.put("page", page);
        model.put("qParam", URLEncoder.encode(q, StandardCharsets.UTF_8));
        render(ex, 200, "home", model, Map.of());
    }

    private void repository(Exchange ex, Caller caller, String name) {
        var detail = service.detail(caller, name, Requests.intParam(ex.query("page"), "page", 1),
                RepositoryService.DEFAULT_TAGS_PER_PAGE);
        Map<String, Object> model = model(ex, caller);
        model.put("r", detail);
        String tag = detail.tags().stream().map(RepositoryService.TagSummary::name)
                .filter(t -> t.equals("latest")).findFirst()
                .orElse(detail.tags().isEmpty() ? "latest" : detail.tags().getFirst().name());
        model.put("pullRef", host(ex) + "/" + detail.name() + (tag.equals("latest") ? "" : ":" + tag));
        render(ex, 200, "repository", model, Map.of());
    }

    /**
     * The sign-in form. It has no session yet to take a CSRF token from, so it uses a cookie of its own
     * (double submit): a cross-site form cannot send that SameSite=Strict cookie, so it cannot sign the
     * visitor in to the attacker's account.
     */
    private void login(Exchange ex, Caller caller) throws InterruptedException {
        if (!service.authEnabled()) {
            throw WebException.notFound("this registry has no accounts, so there is nothing to sign in to");
        }
        String next = safeNext(ex.query("next").orElse("/"));
        Optional<String> loginToken = Requests.cookie(ex, LOGIN_COOKIE).filter(t -> t.length() >= 20 && t.length() <= 100);
        if (ex.method().equals(HttpMethod.GET) || ex.method().equals(HttpMethod.HEAD)) {
            renderLogin(ex, caller, 200, next, "", loginToken, Optional.empty(), Map.of());
            return;
        }
        allowed(ex.method(), HttpMethod.POST);
        Map<String, String> fields = Requests.fields(ex);
        next = safeNext(fields.getOrDefault("next", "/"));
        String username = fields.getOrDefault("username", "");
        String sent = fields.get(WebSite.CSRF_FIELD);
        if (loginToken.isEmpty() || sent == null || !java.security.MessageDigest.isEqual(
                loginToken.get().getBytes(StandardCharsets.UTF_8), sent.getBytes(StandardCharsets.UTF_8))) {
            renderLogin(ex, caller, 403, next, username, Optional.empty(),
                    Optional.of("the sign-in form had expired (or came from another site); sign in again"), Map.of());
            return;
        }
        try {
            String user = site.signIn(ex, fields.get("username"), fields.get("password"));
            Sessions.Session session = site.startSession(user);
            redirect(ex, next, Map.of("Set-Cookie", WebSite.sessionCookie(ex, session)));
        } catch (WebException e) {
            renderLogin(ex, caller, e.status(), next, username, loginToken, Optional.of(e.getMessage()), e.headers());
        }
    }

    private void renderLogin(Exchange ex, Caller caller, int status, String next, String username,
                             Optional<String> token, Optional<String> error, Map<String, String> extraHeaders) {
        String t = token.orElseGet(Sessions::random);
        Map<String, Object> model = model(ex, caller);
        model.put("next", next);
        model.put("username", username);
        model.put("loginToken", t);
        error.ifPresent(e -> model.put("error", e));
        Map<String, String> headers = new LinkedHashMap<>(extraHeaders);
        if (token.isEmpty()) {
            headers.put("Set-Cookie", LOGIN_COOKIE + "=" + t + "; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600"
                    + (ex.baseUrl().startsWith("https:") ? "; Secure" : ""));
        }
        render(ex, status, "login", model, headers);
    }

    private void logout(Exchange ex, Caller caller) throws InterruptedException {
        if (ex.method().equals(HttpMethod.GET) || ex.method().equals(HttpMethod.HEAD)) {
            render(ex, 200, "logout", model(ex, caller), Map.of());
            return;
        }
        allowed(ex.method(), HttpMethod.POST);
        Map<String, String> fields = Requests.fields(ex);
        WebSite.checkCsrf(ex, caller, fields, false);
        site.endSession(caller);
        redirect(ex, "/", Map.of("Set-Cookie", WebSite.clearedCookie(ex)));
    }

    private void create(Exchange ex, Caller caller) throws InterruptedException {
        if (needsSignIn(ex, caller)) {
            return;
        }
        Map<String, Object> model = model(ex, caller);
        if (ex.method().equals(HttpMethod.GET) || ex.method().equals(HttpMethod.HEAD)) {
            model.put("form", Map.of("name", "", "description", "", "visibility", "public"));
            render(ex, 200, "new", model, Map.of());
            return;
        }
        allowed(ex.method(), HttpMethod.POST);
        Map<String, String> fields = formFields(ex, caller);
        try {
            RepositoryName name = service.create(caller, fields.get("name"), fields.get("description"),
                    fields.get("visibility"));
            redirect(ex, "/r/" + name.value(), Map.of());
        } catch (WebException e) {
            model.put("form", fields);
            model.put("error", e.getMessage());
            render(ex, e.status(), "new", model, e.headers());
        }
    }

    private void account(Exchange ex, Caller caller) throws InterruptedException {
        if (needsSignIn(ex, caller)) {
            return;
        }
        Map<String, Object> model = model(ex, caller);
        if (ex.method().equals(HttpMethod.GET) || ex.method().equals(HttpMethod.HEAD)) {
            render(ex, 200, "account", model, Map.of());
            return;
        }
        allowed(ex.method(), HttpMethod.POST);
        Map<String, String> fields = formFields(ex, caller);
        try {
            String replacement = fields.get("new_password");
            if (replacement != null && !replacement.equals(fields.get("confirm_password"))) {
                throw WebException.badRequest("the new password and its confirmation differ; type the same password twice");
            }
            service.changePassword(caller, ex.clientAddress(), fields.get("current_password"), replacement);
            site.passwordChanged(caller);
            model.put("notice", "Your password was changed. Your other sessions were signed out.");
            render(ex, 200, "account", model, Map.of());
        } catch (WebException e) {
            model.put("error", e.getMessage());
            render(ex, e.status(), "account", model, e.headers());
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------

    /** A form's fields after the CSRF check; a signed-out browser is sent to the sign-in page instead. */
    private Map<String, String> formFields(Exchange ex, Caller caller) throws InterruptedException {
        if (!service.authEnabled()) {
            // No accounts, so no session and no CSRF token: any site could post these forms. Read-only, then.
            throw WebException.forbidden("this registry has no accounts, so its pages are read-only; change"
                    + " repositories with the JSON API under /api/");
        }
        Map<String, String> fields = Requests.fields(ex);
        // Only a session proves the form came from these pages: a browser also sends cached Basic credentials
        // cross-site, so they are not enough here.
        if (caller.session().isEmpty()) {
            throw WebException.unauthorized("your session has ended: sign in again, then repeat what you did");
        }
        WebSite.checkCsrf(ex, caller, fields, false);
        return fields;
    }

    private boolean needsSignIn(Exchange ex, Caller caller) {
        if (!service.authEnabled()) {
            throw WebException.badRequest("this registry has no accounts, so there is nothing to sign in to; use the"
                    + " JSON API at /api/ to create repositories");
        }
        if (caller.user().isPresent()) {
            return false;
        }
        redirect(ex, "/login?next=" + URLEncoder.encode(ex.path(), StandardCharsets.UTF_8), Map.of());
        return true;
    }

    private Map<String, Object> model(Exchange ex, Caller caller) {
        Map<String, Object> model = new HashMap<>();
        caller.user().ifPresent(u -> model.put("user", u));
        model.put("csrf", caller.csrfToken());
        model.put("authEnabled", service.authEnabled());
        // Forms need a session (for the CSRF token), so without accounts the pages only show.
        model.put("forms", service.authEnabled() && caller.session().isPresent());
        model.put("path", ex.path());
        return model;
    }

    private static String host(Exchange ex) {
        String base = ex.baseUrl();
        int scheme = base.indexOf("://");
        return scheme >= 0 ? base.substring(scheme + 3) : base;
    }

    /** Only a path on this site, never another site ("//evil" or "https://evil"). */
    private static String safeNext(String next) {
        if (next == null || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")
                || next.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
            return "/";
        }
        return next;
    }

    private static void allowed(HttpMethod actual, HttpMethod... methods) {
        for (HttpMethod m : methods) {
            if (m.equals(actual)) {
                return;
            }
        }
        throw new WebException(405, "UNSUPPORTED", "method " + actual + " is not supported on this page");
    }

    private static void redirect(Exchange ex, String location, Map<String, String> headers) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.put("Location", location);
        all.put("Cache-Control", "no-store");
        ex.send(303, all, new byte[0], null);
    }

    private void render(Exchange ex, int status, String template, Map<String, Object> model, Map<String, String> headers) {
        StringWriter out = new StringWriter();
        try {
            PebbleTemplate t = engine.getTemplate(template);
            t.evaluate(out, model);
        } catch (IOException | PebbleException e) {
            throw new IllegalStateException("cannot render page " + template + ": " + e.getMessage(), e);
        }
        Map<String, String> all = new LinkedHashMap<>(PAGE_HEADERS);
        all.putAll(headers);
        ex.send(status, all, out.toString().getBytes(StandardCharsets.UTF_8), HTML_TYPE);
    }

    void sendError(Exchange ex, WebException e) {
        Caller caller;
        try {
            caller = site.caller(ex);
        } catch (WebException again) {
            caller = Caller.ANONYMOUS;
        }
        Map<String, Object> model = model(ex, caller);
        model.put("status", e.status());
        model.put("message", e.getMessage());
        try {
            render(ex, e.status(), "error", model, e.headers());
        } catch (IllegalStateException failed) {
            ex.send(e.status(), e.headers(), (e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8),
                    "text/plain; charset=utf-8");
        }
    }
}
