package dev.skiff.engine.images;

import dev.skiff.engine.EngineException;

/** No image answers to a name or ID; the message is Docker's ({@code No such image: busybox:latest}). */
public final class ImageNotFoundException extends EngineException {
    public ImageNotFoundException(String what) {
        super("No such image: " + what);
    }
}
