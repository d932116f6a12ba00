package dev.skiff.registry.api;

/**
 * Every error code of the OCI distribution spec (and Docker's token auth), registered once with its
 * HTTP status and default message, as distribution's {@code registry/api/errcode/register.go} does.
 */
public enum ErrorCode {
    BLOB_UNKNOWN(404, "blob unknown to registry"),
    BLOB_UPLOAD_INVALID(400, "blob upload invalid"),
    BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry"),
    DIGEST_INVALID(400, "provided digest did not match uploaded content"),
    MANIFEST_BLOB_UNKNOWN(404, "manifest references a manifest or blob unknown to registry"),
    MANIFEST_INVALID(400, "manifest invalid"),
    MANIFEST_UNKNOWN(404, "manifest unknown"),
    NAME_INVALID(400, "invalid repository name"),
    NAME_UNKNOWN(404, "repository name not known to registry"),
    SIZE_INVALID(400, "provided length did not match content length"),
    UNAUTHORIZED(401, "authentication required"),
    DENIED(403, "requested access to the resource is denied"),
    UNSUPPORTED(405, "the operation is unsupported"),
    TOO_MANY_REQUESTS(429, "too many requests"),
    /** Not in the spec's table but distribution's: a bad {@code n} for pagination. */
    PAGINATION_NUMBER_INVALID(400, "invalid number of results requested"),
    /** distribution's code for a range that can't be satisfied (416). */
    RANGE_INVALID(416, "invalid content range"),
    TAG_INVALID(400, "manifest tag did not match URI"),
    UNKNOWN(500, "unknown error");

    private final int status;
    private final String message;

    ErrorCode(int status, String message) {
        this.status = status;
        this.message = message;
    }

    public int status() {
        return status;
    }

    public String message() {
        return message;
    }

    /** An exception carrying this code, with the default message. */
    public RegistryException error() {
        return new RegistryException(this, message, null);
    }

    /** An exception carrying this code with a specific message and an optional detail object. */
    public RegistryException error(String specificMessage, Object detail) {
        return new RegistryException(this, specificMessage, detail);
    }

    public RegistryException error(String specificMessage) {
        return new RegistryException(this, specificMessage, null);
    }
}
