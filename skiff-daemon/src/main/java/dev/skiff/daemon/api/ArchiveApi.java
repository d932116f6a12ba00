package dev.skiff.daemon.api;

import dev.skiff.engine.content.ContentStore;
import dev.skiff.engine.images.ArchiveException;
import dev.skiff.engine.images.ImageArchive;
import dev.skiff.engine.images.ImageNotFoundException;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.formats.FormatException;
import dev.skiff.http.Exchange;
import io.netty.handler.codec.http.HttpMethod;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * {@code docker save} ({@code GET /images/get?names=...}, {@code GET /images/{name}/get}) and
 * {@code docker load} ({@code POST /images/load}). The archive streams both ways: the saved tar is
 * written to the socket as it is produced, the loaded one read from it as it arrives.
 */
final class ArchiveApi {
    static final String TAR_TYPE = "application/x-tar";

    private final ImageArchive archive;
    private final ImageStore images;
    private final dev.skiff.daemon.events.ImageEvents events;

    ArchiveApi(ImageStore images, ContentStore content, dev.skiff.daemon.events.ImageEvents events) {
        this.archive = new ImageArchive(content, images);
        this.images = images;
        this.events = events;
    }

    /** Handles {@code path} if it is an archive route; false otherwise. */
    boolean route(Exchange ex, String path) throws InterruptedException {
        try {
            if (path.equals("/images/get")) {
                EngineApi.allow(ex.method(), HttpMethod.GET);
                save(ex, ex.queryAll("names"));
            } else if (path.startsWith("/images/") && path.endsWith("/get") && path.length() > "/images//get".length()
                    && ex.method().equals(HttpMethod.GET)) {
                save(ex, List.of(path.substring("/images/".length(), path.length() - "/get".length())));
            } else if (path.equals("/images/load")) {
                EngineApi.allow(ex.method(), HttpMethod.POST);
                load(ex, ex.query("quiet").map(v -> v.equals("1") || v.equalsIgnoreCase("true")).orElse(false));
            } else {
                return false;
            }
            return true;
        } catch (ImageNotFoundException e) {
            throw ApiException.notFound(e.getMessage());
        } catch (ArchiveException | FormatException | dev.skiff.engine.snapshots.SnapshotException e) {
            throw ApiException.badRequest(e.getMessage()); // a hostile or damaged layer is the archive's fault
        }
    }

    private void save(Exchange ex, List<String> names) {
        if (names.isEmpty()) {
            throw ApiException.badRequest("no image named: give names=IMAGE once for each image to save");
        }
        archive.check(names); // a wrong name is a 404, before the 200 goes out
        try {
            ex.sendStream(200, Map.of(), TAR_TYPE, out -> archive.save(names, out));
            names.stream().map(n -> images.resolve(n).id()).distinct().forEach(events::saved); // docker's save events
        } catch (IOException | RuntimeException e) {
            // the head is out: all that is left is to cut the connection (done) and say why in the log
            System.err.println("skiff daemon: saving " + names + " failed midway: " + e.getMessage());
        }
    }

    private void load(Exchange ex, boolean quiet) {
        List<String> loaded;
        try (BodyStream body = new BodyStream(ex)) {
            loaded = archive.load(body);
        }
        for (String line : loaded) { // docker's load events, one per image
            String name = line.replaceFirst("^Loaded image( ID)?: ", "");
            try {
                events.loaded(images.resolve(name).id());
            } catch (RuntimeException e) {
                // removed again meanwhile: no event to tell
            }
        }
        StringBuilder lines = new StringBuilder();
        for (String line : loaded) {
            lines.append(EngineApi.JSON.createObjectNode().put("stream", line + "\n")).append("\r\n");
        }
        ex.send(200, Map.of(), lines.toString().getBytes(StandardCharsets.UTF_8), EngineApi.JSON_TYPE);
    }
}
