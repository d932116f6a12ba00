package dev.skiff.registry.web;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTML pages, read as a browser without JavaScript would: forms, redirects and the HTML itself. */
class WebPagesTest {
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
    private static final String XSS = "<script>alert(\"x\")</script>";

    @TempDir
    Path temp;
    WebTestSupport registry;

    @BeforeEach
    void start() throws Exception {
        registry = new WebTestSupport(temp, true);
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Signs in through the login form; the client keeps the cookie and the CSRF token of the next page. */
    WebTestSupport.Client signIn(String user, String password) throws Exception {
        var browser = registry.client();
        var form = browser.get("/login");
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.body()).contains("<form method=\"post\" action=\"/login\"");
        var r = browser.form("/login", "username=" + user + "&password=" + password + "&next=%2F&_csrf=" + csrf(form));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).contains("/");
        assertThat(r.headers().firstValue("Set-Cookie").orElseThrow()).contains("HttpOnly").contains("SameSite=Strict");
        var home = browser.get("/");
        assertThat(home.body()).contains("href=\"/account\"");
        browser.csrf = csrf(home);
        return browser;
    }

    static String csrf(HttpResponse<String> page) {
        Matcher m = CSRF.matcher(page.body());
        assertThat(m.find()).as("a CSRF field in " + page.body()).isTrue();
        return m.group(1);
    }

    @Test
    void createPushAndSeeTheRepositoryAndTagPages() throws Exception {
        var alice = signIn("alice", "alice-pw");
        var newForm = alice.get("/new");
        assertThat(newForm.statusCode()).isEqualTo(200);
        var created = alice.form("/new", "name=app&description=" + enc("Demo " + XSS) + "&visibility=public&_csrf=" + alice.csrf);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(303);
        assertThat(created.headers().firstValue("Location")).contains("/r/alice/app");

        String config = "{\"Entrypoint\":[\"/bin/app\"],\"Cmd\":[\"--serve\"],\"Env\":[\"GREETING=" + XSS.replace("\"", "\\\"")
                + "\"],\"ExposedPorts\":{\"8080/tcp\":{}},\"Labels\":{\"evil\":\"" + XSS.replace("\"", "\\\"") + "\"}}";
        var pushed = registry.pushImage("alice", "alice-pw", "alice/app", "v1", config, 2);

        var home = alice.get("/");
        assertThat(home.statusCode()).isEqualTo(200);
        assertThat(home.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
        assertThat(home.body()).contains("href=\"/r/alice/app\"").contains("1 tag<");
        assertNoInjectedScript(home.body());

        var repo = alice.get("/r/alice/app");
        assertThat(repo.statusCode()).isEqualTo(200);
        String host = registry.base.substring("http://".length());
        assertThat(repo.body())
                .contains("docker pull " + host + "/alice/app:v1")
                .contains("data-copy=\"pull-docker\"")
                .contains("title=\"" + pushed.manifest() + "\"")
                .contains(PageFilters.bytes(pushed.size()))
                .contains("linux/amd64")
                .contains("just now")
                .contains("href=\"/r/alice/app/tags/v1\"")
                .contains("Demo &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
        assertThat(repo.body()).containsPattern("<time datetime=\"[0-9T:.\\-]+Z\" title=\"\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\">just now</time>");
        assertNoInjectedScript(repo.body());

        var tag = alice.get("/r/alice/app/tags/v1");
        assertThat(tag.statusCode()).isEqualTo(200);
        assertThat(tag.body())
                .contains(pushed.manifest().toString())
                .contains("Layers (2)")
                .contains(PageFilters.shortDigest(pushed.layers().get(0).toString()))
                .contains(PageFilters.shortDigest(pushed.layers().get(1).toString()))
                .contains("RUN step-1")
                .contains("<code>[\"/bin/app\"]</code>")
                .contains("<code>8080/tcp</code>")
                .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
        assertNoInjectedScript(tag.body());
        assertThat(tag.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
                assertThat(csp).contains("script-src 'self'").contains("frame-ancestors 'none'"));
        assertThat(tag.headers().firstValue("X-Frame-Options")).contains("DENY");

        // Kept for people to look at (mvn runs tests in the module's folder).
        Path saved = Path.of("target", "web-pages");
        java.nio.file.Files.createDirectories(saved);
        java.nio.file.Files.writeString(saved.resolve("home.html"), home.body());
        java.nio.file.Files.writeString(saved.resolve("repository.html"), repo.body());
        java.nio.file.Files.writeString(saved.resolve("tag.html"), tag.body());

        var css = alice.get("/static/site.css");
        assertThat(css.statusCode()).isEqualTo(200);
        assertThat(css.body()).contains("@media");
        assertThat(alice.get("/static/site.js").body()).contains("navigator.clipboard");
    }

    /** The only script element on a page is the site's own, loaded from /static. */
    static void assertNoInjectedScript(String html) {
        assertThat(html.split("<script", -1)).hasSize(2);
        assertThat(html).contains("<script src=\"/static/site.js\" defer></script>");
    }

    @Test
    void privateRepositoriesDisappearForOthersAndTagsCanBeDeleted() throws Exception {
        var alice = signIn("alice", "alice-pw");
        registry.pushImage("alice", "alice-pw", "alice/app", "v1", "{}", 1);
        registry.pushImage("alice", "alice-pw", "alice/app", "v2", "{}", 1);

        var noToken = alice.form("/r/alice/app/settings", "visibility=private");
        assertThat(noToken.statusCode()).isEqualTo(403);
        assertThat(noToken.body()).contains("CSRF token");
        var settings = alice.form("/r/alice/app/settings", "visibility=private&description=hidden&_csrf=" + alice.csrf);
        assertThat(settings.statusCode()).as(settings.body()).isEqualTo(303);
        assertThat(alice.get("/r/alice/app").body()).contains("badge private");

        var bob = signIn("bob", "bob-pw");
        assertThat(bob.get("/").body()).doesNotContain("alice/app");
        assertThat(bob.get("/?q=app").body()).doesNotContain("alice/app");
        var hidden = bob.get("/r/alice/app");
        assertThat(hidden.statusCode()).isEqualTo(404);
        assertThat(hidden.body()).contains("Not found");
        assertThat(bob.get("/r/alice/app/tags/v1").statusCode()).isEqualTo(404);
        var bobDelete = bob.form("/r/alice/app/tags/v1/delete", "_csrf=" + bob.csrf);
        assertThat(bobDelete.statusCode()).isEqualTo(404);
        assertThat(registry.client().get("/r/alice/app").statusCode()).isEqualTo(404);
        assertThat(registry.client().get("/").body()).doesNotContain("alice/app");

        // a browser sends cached Basic credentials with a cross-site form too: the pages want the session
        var withBasic = registry.client().send("POST", "/r/alice/app/tags/v1/delete", "",
                "Content-Type", "application/x-www-form-urlencoded", "Authorization", WebTestSupport.basic("alice", "alice-pw"));
        assertThat(withBasic.statusCode()).isEqualTo(401);
        var forged = alice.form("/r/alice/app/tags/v1/delete", "_csrf=" + bob.csrf);
        assertThat(forged.statusCode()).isEqualTo(403);
        var deleted = alice.form("/r/alice/app/tags/v1/delete", "_csrf=" + alice.csrf);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(303);
        assertThat(deleted.headers().firstValue("Location")).contains("/r/alice/app");
        var after = alice.get("/r/alice/app");
        assertThat(after.body()).contains("href=\"/r/alice/app/tags/v2\"").doesNotContain("href=\"/r/alice/app/tags/v1\"");

        var signOut = alice.form("/logout", "_csrf=" + alice.csrf);
        assertThat(signOut.statusCode()).isEqualTo(303);
        assertThat(alice.get("/").body()).contains("href=\"/login\"").doesNotContain("alice/app");
    }

    @Test
    void theSignInFormNeedsItsOwnCookieSoAnotherSiteCannotSignYouIn() throws Exception {
        var victim = registry.client();
        var forged = victim.form("/login", "username=bob&password=bob-pw&_csrf=made-up-by-another-site");
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("sign in again");
        assertThat(victim.cookies).doesNotContainKey("skiff_session");
        // the page it answers with carries a fresh token, so signing in from it works
        var retry = victim.form("/login", "username=bob&password=bob-pw&_csrf=" + csrf(forged));
        assertThat(retry.statusCode()).isEqualTo(303);
        assertThat(victim.cookies).containsKey("skiff_session");
    }

    @Test
    void badInputIsShownOnTheFormWithoutAStackTrace() throws Exception {
        var anonymous = registry.client();
        String token = csrf(anonymous.get("/login"));
        var wrong = anonymous.form("/login", "username=alice&password=wrong&_csrf=" + token);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("invalid username or password").contains("value=\"alice\"");
        var missing = anonymous.form("/login", "username=alice&_csrf=" + token);
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.body()).contains("username and password are both required");
        var newPage = anonymous.get("/new");
        assertThat(newPage.statusCode()).isEqualTo(303);
        assertThat(newPage.headers().firstValue("Location")).contains("/login?next=%2Fnew");
        var offsite = anonymous.form("/login", "username=bob&password=bob-pw&next=" + enc("//evil.example/x") + "&_csrf=" + token);
        assertThat(offsite.statusCode()).isEqualTo(303);
        assertThat(offsite.headers().firstValue("Location")).contains("/");

        var alice = signIn("alice", "alice-pw");
        var badName = alice.form("/new", "name=" + enc("Bad Name " + XSS) + "&_csrf=" + alice.csrf);
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(badName.body()).contains("invalid repository name").contains("value=\"Bad Name &lt;script&gt;");
        assertNoInjectedScript(badName.body());
        var noName = alice.form("/new", "description=x&_csrf=" + alice.csrf);
        assertThat(noName.statusCode()).isEqualTo(400);
        assertThat(noName.body()).contains("name is required");
        var otherNamespace = alice.form("/new", "name=bob/app&_csrf=" + alice.csrf);
        assertThat(otherNamespace.statusCode()).isEqualTo(403);
        assertThat(otherNamespace.body()).contains("your own namespace");

        var mismatch = alice.form("/account", "current_password=alice-pw&new_password=a1&confirm_password=a2&_csrf=" + alice.csrf);
        assertThat(mismatch.statusCode()).isEqualTo(400);
        assertThat(mismatch.body()).contains("differ");
        var wrongCurrent = alice.form("/account", "current_password=nope&new_password=a1&confirm_password=a1&_csrf=" + alice.csrf);
        assertThat(wrongCurrent.statusCode()).isEqualTo(403);
        var changed = alice.form("/account", "current_password=alice-pw&new_password=a1&confirm_password=a1&_csrf=" + alice.csrf);
        assertThat(changed.statusCode()).isEqualTo(200);
        assertThat(changed.body()).contains("Your password was changed");

        assertThat(alice.get("/nowhere").statusCode()).isEqualTo(404);
        assertThat(alice.get("/r/Bad..Name").statusCode()).isEqualTo(400);
        assertThat(alice.get("/?page=x").statusCode()).isEqualTo(400);
        for (var page : new String[] {"/nowhere", "/r/Bad..Name", "/?page=x"}) {
            assertThat(alice.get(page).body()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }
}
