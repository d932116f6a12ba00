package dev.skiff.engine.images;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;
import java.util.Map;

/**
 * The image config exactly as Docker and the image spec spell it on the wire. Absent fields are
 * null here and omitted when written; the top level is in Docker's (alphabetical) key order; fields this model does not know are ignored when read (the
 * blob's bytes, not this record, are what is stored and hashed).
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"architecture", "author", "comment", "config", "created", "history", "os", "rootfs", "variant"})
record ImageConfigJson(
        @JsonProperty("architecture") String architecture,
        @JsonProperty("author") String author,
        @JsonProperty("comment") String comment,
        @JsonProperty("config") @JsonInclude(JsonInclude.Include.NON_NULL) Container config,
        @JsonProperty("created") String created,
        @JsonProperty("history") List<HistoryJson> history,
        @JsonProperty("os") String os,
        @JsonProperty("rootfs") RootFs rootfs,
        @JsonProperty("variant") String variant) {

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    // Docker's container.Config field order.
    @JsonPropertyOrder({"User", "ExposedPorts", "Env", "Cmd", "Healthcheck", "Volumes", "WorkingDir", "Entrypoint",
            "OnBuild", "Labels", "StopSignal"})
    record Container(
            @JsonProperty("User") String user,
            @JsonProperty("ExposedPorts") Map<String, Map<String, Object>> exposedPorts,
            @JsonProperty("Env") List<String> env,
            @JsonProperty("Cmd") List<String> cmd,
            @JsonProperty("Healthcheck") Health healthcheck,
            @JsonProperty("Volumes") Map<String, Map<String, Object>> volumes,
            @JsonProperty("WorkingDir") String workingDir,
            @JsonProperty("Entrypoint") List<String> entrypoint,
            @JsonProperty("OnBuild") List<String> onBuild,
            @JsonProperty("Labels") Map<String, String> labels,
            @JsonProperty("StopSignal") String stopSignal) {
    }

    /** Durations are Go {@code time.Duration}s: integer nanoseconds. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"Test", "Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"})
    record Health(
            @JsonProperty("Test") List<String> test,
            @JsonProperty("Interval") @JsonInclude(JsonInclude.Include.NON_DEFAULT) long interval,
            @JsonProperty("Timeout") @JsonInclude(JsonInclude.Include.NON_DEFAULT) long timeout,
            @JsonProperty("StartPeriod") @JsonInclude(JsonInclude.Include.NON_DEFAULT) long startPeriod,
            @JsonProperty("StartInterval") @JsonInclude(JsonInclude.Include.NON_DEFAULT) long startInterval,
            @JsonProperty("Retries") @JsonInclude(JsonInclude.Include.NON_DEFAULT) int retries) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"type", "diff_ids"})
    record RootFs(@JsonProperty("type") String type, @JsonProperty("diff_ids") List<String> diffIds) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"created", "created_by", "author", "comment", "empty_layer"})
    record HistoryJson(
            @JsonProperty("created") String created,
            @JsonProperty("created_by") String createdBy,
            @JsonProperty("author") String author,
            @JsonProperty("comment") String comment,
            @JsonProperty("empty_layer") @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean emptyLayer) {
    }
}
