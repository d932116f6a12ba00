package dev.skiff.daemon;

import dev.skiff.engine.images.ReferenceSyntax;
import dev.skiff.formats.ImageReference;

/** The image store's reference grammar: Docker's, through {@link ImageReference}. */
final class DockerReferences implements ReferenceSyntax {
    @Override
    public String normalize(String text) {
        return ImageReference.parse(text).withDefaultTag().toString();
    }

    @Override
    public String familiar(String fullReference) {
        return ImageReference.parse(fullReference).familiarString();
    }
}
