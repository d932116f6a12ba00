package dev.skiff.engine.images;

/**
 * How what a user types becomes the full reference the store keys on, and back: Docker's reference
 * grammar, supplied by the caller (the daemon passes one backed by {@code ImageReference}) so the
 * store itself only ever handles full, normalized strings.
 */
public interface ReferenceSyntax {

    /**
     * The full form with Docker's defaults: {@code busybox} becomes {@code docker.io/library/busybox:latest},
     * {@code alice/app@sha256:...} becomes {@code docker.io/alice/app@sha256:...}.
     *
     * @throws dev.skiff.formats.FormatException when {@code text} is not a valid reference
     */
    String normalize(String text);

    /** The short form Docker prints: {@code docker.io/library/busybox:latest} becomes {@code busybox:latest}. */
    String familiar(String fullReference);
}
