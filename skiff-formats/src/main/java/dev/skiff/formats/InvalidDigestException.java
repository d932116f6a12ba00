package dev.skiff.formats;

/** A digest string that does not follow the OCI grammar or names an unsupported algorithm. */
public final class InvalidDigestException extends FormatException {
    public InvalidDigestException(String message) {
        super(message);
    }
}
