package dev.skiff.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.EngineException;
import dev.skiff.engine.content.ContentStore;
import dev.skiff.engine.distribution.Credentials;
import dev.skiff.engine.distribution.DistributionException;
import dev.skiff.engine.distribution.ImagePuller;
import dev.skiff.engine.distribution.PullProgress;
import dev.skiff.engine.images.ImageStore;
import dev.skiff.formats.Digest;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.ImageReference;
import dev.skiff.http.Exchange;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /images/create?fromImage=NAME&tag=TAG}: docker pull. Until the manifest is found an error
 * is a plain HTTP error (docker's 404 for a missing tag); after that the answer is a chunked stream of
 * docker's JSON progress messages, and an error is an in-stream {@code errorDetail}.
 */
final class PullApi {
    private final ImagePuller puller;
    java.util.function.Consumer<ImageReference> onPulled = ref -> { }; // docker's pull event, set by ImagesApi

    PullApi(ContentStore content, ImageStore images) {
        this.puller = new ImagePuller(content, images);
    }

    void pull(Exchange ex, String fromImage) {
        ImageReference ref = reference(fromImage, ex.query("tag").filter(t -> !t.isEmpty()));
        Optional<Credentials> credentials = ex.header("X-Registry-Auth").flatMap(PullApi::credentials);
        Stream stream = new Stream(ex);
        try {
            puller.pull(ref, credentials, stream::send);
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

    /** X-Registry-Auth: base64url (padding optional) of {@code {"username","password","serveraddress"}}. */
    static Optional<Credentials> credentials(String header) {
        if (header.isBlank()) {
            return Optional.empty();
        }
        try {
            String padded = header.strip().replace('+', '-').replace('/', '_');
            byte[] json = Base64.getUrlDecoder().decode(padded.replace("=", ""));
            JsonNode auth = EngineApi.JSON.readTree(json);
            String user = auth.path("username").asText("");
            String password = auth.path("password").asText("");
            if (user.isEmpty() && password.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Credentials(user, password));
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw ApiException.badRequest("the X-Registry-Auth header is not base64url-encoded JSON: " + e.getMessage());
        }
    }

    /** Opens the chunked answer on the first message, so errors before it stay plain HTTP errors. */
    private static final class Stream {
        private final Exchange ex;
        private Exchange.Chunked body;

        Stream(Exchange ex) {
            this.ex = ex;
        }

        void send(PullProgress p) {
            ObjectNode m = EngineApi.JSON.createObjectNode();
            switch (p) {
                case PullProgress.Resolving r -> m.put("status", "Pulling from " + r.repository()).put("id", r.reference());
                case PullProgress.AlreadyExists a -> layer(m, "Already exists", a.layer());
                case PullProgress.LayerWaiting w -> layer(m, "Pulling fs layer", w.layer());
                case PullProgress.Downloading d -> {
                    m.put("status", "Downloading");
                    m.putObject("progressDetail").put("current", d.current()).put("total", d.total());
                    m.put("progress", bar(d.current(), d.total()));
                    m.put("id", shortId(d.layer()));
                }
                case PullProgress.DownloadComplete c -> layer(m, "Download complete", c.layer());
                case PullProgress.PullComplete c -> layer(m, "Pull complete", c.layer());
                case PullProgress.Digest d -> m.put("status", "Digest: " + d.manifest());
                case PullProgress.Status s -> m.put("status", "Status: " + s.text());
            }
            write(m);
        }

        private static void layer(ObjectNode m, String status, Digest layer) {
            m.put("status", status);
            m.putObject("progressDetail");
            m.put("id", shortId(layer));
        }

        private static String shortId(Digest d) {
            return d.encoded().substring(0, 12);
        }

        /** docker's progress bar: 50 columns of '=' and a '>' head, then current/total in its units. */
        static String bar(long current, long total) {
            if (total <= 0) {
                return "";
            }
            int filled = (int) Math.min(50, 50 * current / total);
            return "[" + "=".repeat(filled) + ">" + " ".repeat(50 - filled) + "] " + String.format("%8s/%s", size(current), size(total));
        }

        private static String size(long bytes) {
            String[] units = {"B", "kB", "MB", "GB", "TB"};
            double v = bytes;
            int u = 0;
            while (v >= 1000 && u < units.length - 1) {
                v /= 1000;
                u++;
            }
            return u == 0 ? bytes + "B" : String.format(java.util.Locale.ROOT, "%.4g%s", v, units[u]);
        }

        private void write(ObjectNode m) {
            if (body == null) {
                body = ex.sendChunked(200, Map.of(), EngineApi.JSON_TYPE);
            }
            body.write((m + "\r\n").getBytes(StandardCharsets.UTF_8));
        }

        void fail(int status, String message) {
            if (body == null) {
                throw new ApiException(status, message);
            }
            ObjectNode m = EngineApi.JSON.createObjectNode();
            m.putObject("errorDetail").put("message", message);
            m.put("error", message);
            write(m);
        }

        void end() {
            if (body != null) {
                body.end();
            }
        }
    }
}
