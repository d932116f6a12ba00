package dev.skiff.registry.web;

import dev.skiff.http.Exchange;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The HTML pages. */
final class WebPages {
    private final WebSite site;
    private final RepositoryService service;

    WebPages(WebSite site, RepositoryService service) {
        this.site = site;
        this.service = service;
    }

    void handle(Exchange ex) throws InterruptedException {
        throw WebException.notFound("no page at " + ex.path());
    }

    void sendError(Exchange ex, WebException e) {
        ex.send(e.status(), e.headers(), (e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
    }
}
