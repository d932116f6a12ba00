package dev.skiff.formats;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A parsed manifest: an image manifest (OCI or Docker schema 2) or an index (OCI image index or
 * Docker manifest list). Only the fields that matter for storing and following references are read;
 * the bytes themselves stay the source of truth, since digests are computed over them.
 */
public sealed interface Manifest {

    /** The media type: the document's own {@code mediaType}, or what its shape says when it has none. */
    String mediaType();

    Optional<Descriptor> subject();

    Optional<String> artifactType();

    Map<String, String> annotations();

    /** Every descriptor this manifest points to (config, layers, or child manifests), subject excluded. */
    List<Descriptor> references();

    record Image(String mediaType, Descriptor config, List<Descriptor> layers, Optional<Descriptor> subject,
                 Optional<String> artifactType, Map<String, String> annotations) implements Manifest {
        @Override
        public List<Descriptor> references() {
            return Stream.concat(Stream.of(config), layers.stream()).toList();
        }
    }

    record Index(String mediaType, List<Descriptor> manifests, Optional<Descriptor> subject,
                 Optional<String> artifactType, Map<String, String> annotations) implements Manifest {
        @Override
        public List<Descriptor> references() {
            return manifests;
        }
    }

    ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * Parses manifest bytes. {@code declaredType} is the Content-Type the client sent (may be empty or
     * generic); when both it and the document's {@code mediaType} are present they must agree.
     *
     * @throws FormatException with a message that says what is wrong
     */
    static Manifest parse(byte[] content, Optional<String> declaredType) {
        JsonNode root;
        try {
            root = JSON.readTree(content);
        } catch (JsonProcessingException e) {
            throw new FormatException("manifest is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new FormatException("manifest could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new FormatException("manifest must be a JSON object");
        }
        Optional<String> declared = declaredType.map(Manifest::baseType)
                .filter(t -> !t.isEmpty() && !t.equals("application/json") && !t.equals("application/octet-stream"));
        Optional<String> field = text(root, "mediaType");
        if (declared.isPresent() && (declared.get().equals(MediaTypes.DOCKER_MANIFEST_V1_SIGNED)
                || declared.get().equals(MediaTypes.DOCKER_MANIFEST_V1))) {
            throw new FormatException("Docker image manifest schema 1 is not supported; push with a current client");
        }
        JsonNode schemaVersion = root.get("schemaVersion");
        if (schemaVersion == null || !schemaVersion.isInt() || schemaVersion.intValue() != 2) {
            if (schemaVersion != null && schemaVersion.isInt() && schemaVersion.intValue() == 1) {
                throw new FormatException("Docker image manifest schema 1 is not supported; push with a current client");
            }
            throw new FormatException("manifest must have \"schemaVersion\": 2");
        }
        if (declared.isPresent() && field.isPresent() && !declared.get().equals(field.get())) {
            throw new FormatException("manifest mediaType " + field.get() + " does not match Content-Type "
                    + declared.get());
        }
        String mediaType = field.or(() -> declared).orElseGet(() ->
                root.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST);
        Optional<Descriptor> subject = root.has("subject")
                ? Optional.of(descriptor(root.get("subject"), "subject")) : Optional.empty();
        Optional<String> artifactType = text(root, "artifactType");
        Map<String, String> annotations = stringMap(root.get("annotations"), "annotations");
        if (MediaTypes.isIndex(mediaType)) {
            JsonNode manifests = root.get("manifests");
            if (manifests == null || !manifests.isArray()) {
                throw new FormatException("index must have a \"manifests\" array");
            }
            List<Descriptor> children = new ArrayList<>();
            for (int i = 0; i < manifests.size(); i++) {
                children.add(descriptor(manifests.get(i), "manifests[" + i + "]"));
            }
            return new Index(mediaType, List.copyOf(children), subject, artifactType, annotations);
        }
        if (MediaTypes.isImageManifest(mediaType)) {
            if (root.has("manifests")) {
                throw new FormatException("an image manifest must not have \"manifests\"");
            }
            JsonNode config = root.get("config");
            if (config == null) {
                throw new FormatException("image manifest must have a \"config\" descriptor");
            }
            JsonNode layers = root.get("layers");
            if (layers == null || !layers.isArray()) {
                throw new FormatException("image manifest must have a \"layers\" array");
            }
            List<Descriptor> layerList = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                layerList.add(descriptor(layers.get(i), "layers[" + i + "]"));
            }
            return new Image(mediaType, descriptor(config, "config"), List.copyOf(layerList), subject,
                    artifactType, annotations);
        }
        throw new FormatException("unsupported manifest media type " + mediaType);
    }

    private static String baseType(String contentType) {
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(java.util.Locale.ROOT);
    }

    private static Descriptor descriptor(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new FormatException(where + " must be a descriptor object");
        }
        String mediaType = text(node, "mediaType").orElseThrow(() ->
                new FormatException(where + " has no mediaType"));
        String digestText = text(node, "digest").orElseThrow(() -> new FormatException(where + " has no digest"));
        Digest digest;
        try {
            digest = Digest.parse(digestText);
        } catch (InvalidDigestException e) {
            throw new FormatException(where + ": " + e.getMessage());
        }
        JsonNode size = node.get("size");
        if (size == null || !size.canConvertToExactIntegral() || size.longValue() < 0) {
            throw new FormatException(where + " must have a non-negative integer size");
        }
        Optional<Descriptor.Platform> platform = Optional.empty();
        JsonNode p = node.get("platform");
        if (p != null && p.isObject()) {
            platform = Optional.of(new Descriptor.Platform(text(p, "os").orElse(""),
                    text(p, "architecture").orElse(""), text(p, "variant")));
        }
        List<String> urls = new ArrayList<>();
        JsonNode u = node.get("urls");
        if (u != null && u.isArray()) {
            u.forEach(n -> urls.add(n.asText()));
        }
        return new Descriptor(mediaType, digest, size.longValue(), platform, text(node, "artifactType"),
                stringMap(node.get("annotations"), where + ".annotations"), urls);
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw new FormatException("\"" + field + "\" must be a string");
        }
        return Optional.of(v.textValue());
    }

    private static Map<String, String> stringMap(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new FormatException(where + " must be an object of strings");
        }
        Map<String, String> map = new HashMap<>();
        node.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }
}
