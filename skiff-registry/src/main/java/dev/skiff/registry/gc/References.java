package dev.skiff.registry.gc;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.formats.Digest;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What one manifest keeps alive.
 *
 * @param blobs     config, layers and other plain blobs: marked, not read
 * @param manifests an index's child manifests: marked and followed
 * @param subject   the manifest this one refers to (OCI 1.1 referrers): marked and followed
 * @param scavenged true when the manifest was not readable JSON and {@code blobs} holds every digest
 *                  its text mentions, since any of them may be something it needs
 */
record References(Set<Digest> blobs, Set<Digest> manifests, Optional<Digest> subject, boolean scavenged) {

    static final References NONE = new References(Set.of(), Set.of(), Optional.empty(), false);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DIGEST_TEXT = Pattern.compile("sha(?:256:[a-f0-9]{64}|512:[a-f0-9]{128})(?![a-f0-9])");

    References {
        blobs = Set.copyOf(blobs);
        manifests = Set.copyOf(manifests);
    }

    /**
     * Manifests whose revisions this one keeps in its repository. A scavenged manifest may point at
     * manifests through any digest it mentions, so those count too.
     */
    Stream<Digest> manifestEdges() {
        Stream<Digest> edges = Stream.concat(manifests.stream(), subject.stream());
        return scavenged ? Stream.concat(edges, blobs.stream()) : edges;
    }

    /**
     * Reads the references of any manifest the registry may hold: OCI image manifests and indexes,
     * Docker schema 2 manifests and lists, artifact manifests ({@code blobs}) and schema 1
     * ({@code fsLayers}). Unknown fields are ignored rather than refused, because refusing would lose
     * the references of a manifest kind this code does not know yet.
     */
    static References parse(byte[] manifest, Consumer<String> warn) {
        JsonNode root;
        try {
            root = JSON.readTree(manifest);
        } catch (JacksonException e) {
            warn.accept("is not valid JSON (" + firstLine(e.getOriginalMessage())
                    + "); treating every digest its text mentions as referenced");
            return scavenge(manifest);
        } catch (java.io.IOException e) {
            throw new AssertionError("reading JSON from memory", e);
        }
        if (root == null || !root.isObject()) {
            warn.accept("is not a JSON object; treating every digest its text mentions as referenced");
            return scavenge(manifest);
        }
        Set<Digest> blobs = new LinkedHashSet<>();
        Set<Digest> manifests = new LinkedHashSet<>();
        addDigest(root.path("config"), "config", "digest", blobs, warn);
        for (String field : List.of("layers", "blobs")) {
            for (JsonNode descriptor : root.path(field)) {
                addDigest(descriptor, field, "digest", blobs, warn);
            }
        }
        for (JsonNode layer : root.path("fsLayers")) {
            addDigest(layer, "fsLayers", "blobSum", blobs, warn);
        }
        for (JsonNode descriptor : root.path("manifests")) {
            addDigest(descriptor, "manifests", "digest", manifests, warn);
        }
        Set<Digest> subject = new LinkedHashSet<>();
        addDigest(root.path("subject"), "subject", "digest", subject, warn);
        return new References(blobs, manifests, subject.stream().findFirst(), false);
    }

    static References scavenge(byte[] text) {
        Set<Digest> found = new LinkedHashSet<>();
        Matcher m = DIGEST_TEXT.matcher(new String(text, StandardCharsets.ISO_8859_1));
        while (m.find()) {
            found.add(Digest.parse(m.group()));
        }
        return new References(found, Set.of(), Optional.empty(), true);
    }

    private static void addDigest(JsonNode node, String where, String field, Set<Digest> into,
                                  Consumer<String> warn) {
        JsonNode value = node.path(field);
        if (value.isMissingNode() || value.isNull()) {
            return;
        }
        if (value.isTextual() && Digest.isValid(value.asText())) {
            into.add(Digest.parse(value.asText()));
        } else {
            // Such a reference can only name a blob this registry could not have stored.
            warn.accept("has a " + where + " " + field + " that is not a digest this registry stores: "
                    + abbreviate(value.toString()) + "; ignored");
        }
    }

    private static String firstLine(String s) {
        String line = s == null ? "" : s.lines().findFirst().orElse("");
        return abbreviate(line);
    }

    private static String abbreviate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }
}
