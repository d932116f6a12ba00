package dev.skiff.daemon.api;

import dev.skiff.engine.EngineException;
import dev.skiff.engine.distribution.Credentials;
import dev.skiff.engine.distribution.DistributionException;
import dev.skiff.engine.distribution.ImagePuller;
import dev.skiff.engine.distribution.PullProgress;
import dev.skiff.formats.Digest;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.ImageReference;
import dev.skiff.http.Exchange;

import java.util.Optional;

/**
 * {@code POST /images/create?fromImage=NAME&tag=TAG}: docker pull. Until the manifest is found an error
 * is a plain HTTP error (docker's 404 for a missing tag); after that the answer is a chunked stream of
 * docker's JSON progress messages, and an error is an in-stream {@code errorDetail}.
 */
final class PullApi {
    private final ImagePuller puller;
    java.util.function.Consumer<ImageReference> onPulled = ref -> { }; // docker's pull event, set by ImagesApi

    PullApi(ImagePuller puller) {
        this.puller = puller;
    }

    void pull(Exchange ex, String fromImage) {
        ImageReference ref = reference(fromImage, ex.query("tag").filter(t -> !t.isEmpty()));
        Optional<Credentials> credentials = RegistryAuthHeader.of(ex);
        ProgressStream stream = new ProgressStream(ex);
        try {
            puller.pull(ref, credentials, p -> send(stream, p));
            onPulled.accept(ref);
        } catch (DistributionException e) {
            stream.fail(e.notFound() ? 404 : 500, e.getMessage());
        } catch (EngineException | FormatException e) {
            stream.fail(500, e.getMessage());
        } catch (RuntimeException e) {
            System.err.println("skiff daemon: pull of " + ref + " failed: " + e);
            stream.fail(500, "the daemon could not pull " + ref.familiarString() + ": " + e.getMessage() + "; see the daemon's log");
        }
        stream.end();
    }

    /** fromImage may carry its own tag or digest; the {@code tag} parameter may be a tag or a digest. */
    static ImageReference reference(String fromImage, Optional<String> tag) {
        try {
            ImageReference ref = ImageReference.parse(fromImage);
            if (tag.isPresent()) {
                String t = tag.get();
                ref = ImageReference.parse(ref.repository() + (Digest.isValid(t) ? "@" : ":") + t);
            }
            return ref.withDefaultTag();
        } catch (FormatException e) {
            throw ApiException.badRequest("invalid reference format: " + e.getMessage());
        }
    }

    /** The puller, for the builder's pulls. */
    ImagePuller puller() {
        return puller;
    }

    private static void send(ProgressStream stream, PullProgress p) {
        stream.send(message(p));
    }

    /** A pull's progress as docker's JSON progress message (also inside a build's output). */
    static com.fasterxml.jackson.databind.node.ObjectNode message(PullProgress p) {
        return (switch (p) {
            case PullProgress.Resolving r -> ProgressStream.status("Pulling from " + r.repository()).put("id", r.reference());
            case PullProgress.AlreadyExists a -> ProgressStream.layer("Already exists", shortId(a.layer()));
            case PullProgress.LayerWaiting w -> ProgressStream.layer("Pulling fs layer", shortId(w.layer()));
            case PullProgress.Downloading d -> ProgressStream.bytes("Downloading", shortId(d.layer()), d.current(), d.total());
            case PullProgress.Verifying v -> ProgressStream.layer("Verifying Checksum", shortId(v.layer()));
            case PullProgress.DownloadComplete c -> ProgressStream.layer("Download complete", shortId(c.layer()));
            case PullProgress.PullComplete c -> ProgressStream.layer("Pull complete", shortId(c.layer()));
            case PullProgress.Digest d -> ProgressStream.status("Digest: " + d.manifest());
            case PullProgress.Status s -> ProgressStream.status("Status: " + s.text());
        });
    }

    /** Pull names layers by the first 12 hex digits of the compressed blob's digest. */
    private static String shortId(Digest d) {
        return d.encoded().substring(0, 12);
    }
}
