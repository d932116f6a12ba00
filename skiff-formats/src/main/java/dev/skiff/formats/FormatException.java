package dev.skiff.formats;

/** Base of every error about malformed names, digests, references or documents. */
public class FormatException extends IllegalArgumentException {
    public FormatException(String message) {
        super(message);
    }

    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
