package dev.skiff.registry.web;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.skiff.registry.web.WebTestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A registry without accounts lets everyone do everything, as its /v2/ API does; but with no session there
 * is no CSRF token, so the pages only show, and the JSON API takes changes only as JSON.
 */
class WebWithoutAccountsTest {
    @TempDir
    Path temp;
    WebTestSupport registry;

    @BeforeEach
    void start() throws Exception {
        registry = new WebTestSupport(temp, true, false);
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void pagesAreReadOnlyAndTheApiTakesJsonOnly() throws Exception {
        var pushed = registry.pushImage("anyone", "", "team/app", "v1", "{}", 2);
        var browser = registry.client();
        var page = browser.get("/r/team/app");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("title=\"" + pushed.manifest() + "\"")
                .doesNotContain("_csrf").doesNotContain("/delete").doesNotContain("href=\"/login\"");
        assertThat(browser.get("/r/team/app/tags/v1").body()).contains("Layers (2)").doesNotContain("/delete");

        var crossSiteForm = browser.form("/r/team/app/tags/v1/delete", "");
        assertThat(crossSiteForm.statusCode()).isEqualTo(403);
        assertThat(crossSiteForm.body()).contains("read-only");
        var crossSiteApi = browser.form("/api/repositories", "name=team/other");
        assertThat(crossSiteApi.statusCode()).isEqualTo(415);
        assertThat(browser.get("/login").statusCode()).isEqualTo(404);
        assertThat(browser.get("/r/team/app/tags/v1").statusCode()).isEqualTo(200);

        var created = browser.send("POST", "/api/repositories", "{\"name\":\"team/other\",\"visibility\":\"private\"}",
                "Content-Type", "application/json");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(json(browser.get("/api/repositories")).get("total").asInt()).isEqualTo(2);
        assertThat(browser.send("DELETE", "/api/repositories/team/app/tags/v1", null).statusCode()).isEqualTo(204);
    }
}
