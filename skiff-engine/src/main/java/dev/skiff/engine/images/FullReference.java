package dev.skiff.engine.images;

/** Reading a full, normalized reference string ({@code host/path:tag} or {@code host/path@digest}). */
final class FullReference {
    /** A digest reference ({@code repo@sha256:...}), which names content and is never moved. */
    static boolean isCanonical(String reference) {
        return reference.indexOf('@') >= 0;
    }

    /** The repository: the reference without its tag or digest. */
    static String repository(String reference) {
        int at = reference.indexOf('@');
        if (at >= 0) {
            return reference.substring(0, at);
        }
        int colon = reference.lastIndexOf(':');
        return colon > reference.lastIndexOf('/') ? reference.substring(0, colon) : reference;
    }

    private FullReference() {
    }
}
