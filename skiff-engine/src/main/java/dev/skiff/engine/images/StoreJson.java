package dev.skiff.engine.images;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;
import java.util.Map;

/** The image store's own files, on disk. Versioned so a later layout can read an older one. */
final class StoreJson {

    /**
     * {@code images/by-id/<hex>.json}: what the store knows about one image beyond its config blob.
     * {@code size} is the image's size as it was shown when the record was written; it is not read back.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"schemaVersion", "id", "manifest", "layers", "created", "size"})
    record ImageRecord(
            @JsonProperty("schemaVersion") int schemaVersion,
            @JsonProperty("id") String id,
            @JsonProperty("manifest") Blob manifest,
            @JsonProperty("layers") List<LayerRecord> layers,
            @JsonProperty("created") String created,
            @JsonProperty("size") long size) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"mediaType", "digest", "size"})
    record Blob(@JsonProperty("mediaType") String mediaType, @JsonProperty("digest") String digest,
                @JsonProperty("size") long size) {
    }

    /**
     * One layer: its blob, its tar's digest and size, and (absent in records written before sizes
     * were kept, or for a layer never unpacked) what its unpacked files hold, as dockerd counts it.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"mediaType", "digest", "size", "diff_id", "uncompressed_size", "unpacked_size"})
    record LayerRecord(@JsonProperty("mediaType") String mediaType, @JsonProperty("digest") String digest,
                       @JsonProperty("size") long size, @JsonProperty("diff_id") String diffId,
                       @JsonProperty("uncompressed_size") long uncompressedSize,
                       @JsonProperty("unpacked_size") Long unpackedSize) {
    }

    /** {@code images/references.json}: full reference -> image ID, tags and repo digests alike. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"schemaVersion", "references"})
    record References(@JsonProperty("schemaVersion") int schemaVersion,
                      @JsonProperty("references") Map<String, String> references) {
    }

    private StoreJson() {
    }
}
