package dev.skiff.daemon.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.EngineException;
import dev.skiff.engine.distribution.DistributionException;
import dev.skiff.engine.distribution.ImagePusher;
import dev.skiff.engine.distribution.PushProgress;
import dev.skiff.formats.Digest;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.ImageReference;
import dev.skiff.http.Exchange;

import java.util.Optional;

/**
 * {@code POST /images/{name}/push?tag=TAG}: docker push. The answer is docker's JSON progress stream,
 * opened by "The push refers to repository [...]", so every failure after a valid name (no such local
 * image, registry unreachable or refusing) is an in-stream error, as dockerd sends it. An empty
 * {@code tag} pushes every local tag of the repository ({@code docker push --all-tags}).
 */
final class PushApi {
    private final ImagePusher pusher;
    java.util.function.Consumer<String> onPushed = ref -> { }; // docker's push event, per tag pushed; set by ImagesApi

    PushApi(ImagePusher pusher) {
        this.pusher = pusher;
    }

    void push(Exchange ex, String name) {
        ImageReference ref = reference(name, ex.query("tag").filter(t -> !t.isEmpty()));
        ProgressStream stream = new ProgressStream(ex);
        try {
            for (ImagePusher.Pushed pushed : pusher.push(ref, RegistryAuthHeader.of(ex), p -> send(stream, p))) {
                onPushed.accept(ref.familiarName() + ":" + pushed.tag());
            }
        } catch (DistributionException e) {
            stream.fail(e.notFound() ? 404 : 500, e.getMessage());
        } catch (EngineException | FormatException e) {
            stream.fail(500, e.getMessage());
        } catch (RuntimeException e) {
            System.err.println("skiff daemon: push of " + ref + " failed: " + e);
            stream.fail(500, "the daemon could not push " + ref.familiarString() + ": " + e.getMessage() + "; see the daemon's log");
        }
        stream.end();
    }

    /** The name may carry its own tag; a {@code tag} parameter replaces it. */
    static ImageReference reference(String name, Optional<String> tag) {
        try {
            ImageReference ref = ImageReference.parse(name);
            if (tag.isPresent()) {
                if (Digest.isValid(tag.get())) {
                    throw ApiException.badRequest("cannot push a digest (" + tag.get() + "): give a tag, or none for all tags");
                }
                ref = ImageReference.parse(ref.repository() + ":" + tag.get());
            }
            if (ref.digest().isPresent()) {
                throw ApiException.badRequest("cannot push a digest reference (" + name + "): give a tag, or none for all tags");
            }
            return ref;
        } catch (FormatException e) {
            throw ApiException.badRequest("invalid reference format: " + e.getMessage());
        }
    }

    private static void send(ProgressStream stream, PushProgress p) {
        switch (p) {
            case PushProgress.Repository r -> stream.send(ProgressStream.status("The push refers to repository [" + r.name() + "]"));
            case PushProgress.Preparing l -> stream.send(ProgressStream.layer("Preparing", shortId(l.diffId())));
            case PushProgress.Waiting l -> stream.send(ProgressStream.layer("Waiting", shortId(l.diffId())));
            case PushProgress.Pushing l -> stream.send(ProgressStream.bytes("Pushing", shortId(l.diffId()), l.current(), l.total()));
            case PushProgress.Pushed l -> stream.send(ProgressStream.layer("Pushed", shortId(l.diffId())));
            case PushProgress.AlreadyExists l -> stream.send(ProgressStream.layer("Layer already exists", shortId(l.diffId())));
            case PushProgress.Mounted l -> stream.send(ProgressStream.layer("Mounted from " + l.fromRepository(), shortId(l.diffId())));
            case PushProgress.Done d -> {
                stream.send(ProgressStream.status(d.text()));
                ObjectNode aux = EngineApi.JSON.createObjectNode();
                aux.putObject("progressDetail");
                aux.putObject("aux").put("Tag", d.tag()).put("Digest", d.digest().toString()).put("Size", d.size());
                stream.send(aux);
            }
        }
    }

    /** Push names layers by the first 12 hex digits of the diff_id (pull uses the blob digest). */
    private static String shortId(Digest diffId) {
        return diffId.encoded().substring(0, 12);
    }
}
