package dev.skiff.engine.build;

import dev.skiff.formats.Digest;

/** Where a build's progress goes: the classic builder's text ({@code {"stream": ...}}) and the built image's ID. */
public interface BuildOutput {
    /** Text as the classic builder writes it, line endings included ("Step 1/2 : FROM x", "\n", " ---> abc\n"). */
    void stream(String text);

    /** A pull's progress, while a FROM or COPY --from gets its image from a registry (as {@code docker pull} shows it). */
    default void pulling(dev.skiff.engine.distribution.PullProgress progress) {
    }

    /** The built image, just before the "Successfully built" line ({@code {"aux":{"ID":...}}}). */
    default void built(Digest imageId) {
    }
}
