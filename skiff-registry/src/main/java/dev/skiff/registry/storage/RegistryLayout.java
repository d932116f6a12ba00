package dev.skiff.registry.storage;

import dev.skiff.formats.Digest;
import dev.skiff.formats.RepositoryName;
import dev.skiff.formats.Tag;

/**
 * Every path the registry stores, in one place. This is CNCF distribution's layout
 * ({@code registry/storage/paths.go}), so a folder written by distribution 2.8 is served as it is:
 *
 * <pre>
 * /docker/registry/v2/
 *   blobs/&lt;alg&gt;/&lt;first two hex&gt;/&lt;hex&gt;/data                      every blob, stored once
 *   repositories/&lt;name&gt;/
 *     _layers/&lt;alg&gt;/&lt;hex&gt;/link                                 blob linked into the repository
 *     _manifests/revisions/&lt;alg&gt;/&lt;hex&gt;/link                     manifest in the repository
 *     _manifests/tags/&lt;tag&gt;/current/link                          what the tag points to now
 *     _manifests/tags/&lt;tag&gt;/index/&lt;alg&gt;/&lt;hex&gt;/link             every digest the tag ever had
 *     _uploads/&lt;id&gt;/data, startedat, hashstates/&lt;alg&gt;/&lt;offset&gt;   uploads in progress
 *     _referrers/subjects/&lt;alg&gt;/&lt;hex&gt;/&lt;alg&gt;/&lt;hex&gt;/link         Skiff's own: manifests whose subject is a digest
 * </pre>
 * A link file holds the digest as text, for example {@code sha256:9f86...}.
 * Skiff's own state outside distribution's tree lives under {@code /skiff/}: the token signing key, the
 * garbage collection lock, and per-repository info and push records
 * ({@link dev.skiff.registry.store.RepositoryInfoStore}).
 */
public final class RegistryLayout {
    public static final String V2 = "/docker/registry/v2";
    public static final String BLOBS = V2 + "/blobs";
    public static final String REPOSITORIES = V2 + "/repositories";
    public static final String SKIFF = "/skiff";

    private RegistryLayout() {
    }

    public static String blobDir(Digest d) {
        return BLOBS + "/" + d.algorithm().id() + "/" + d.encoded().substring(0, 2) + "/" + d.encoded();
    }

    public static String blobData(Digest d) {
        return blobDir(d) + "/data";
    }

    public static String repository(RepositoryName name) {
        return REPOSITORIES + "/" + name.value();
    }

    public static String layersDir(RepositoryName name) {
        return repository(name) + "/_layers";
    }

    public static String layerLink(RepositoryName name, Digest d) {
        return layersDir(name) + "/" + d.algorithm().id() + "/" + d.encoded() + "/link";
    }

    public static String manifestsDir(RepositoryName name) {
        return repository(name) + "/_manifests";
    }

    public static String revisionsDir(RepositoryName name) {
        return manifestsDir(name) + "/revisions";
    }

    public static String revisionDir(RepositoryName name, Digest d) {
        return revisionsDir(name) + "/" + d.algorithm().id() + "/" + d.encoded();
    }

    public static String revisionLink(RepositoryName name, Digest d) {
        return revisionDir(name, d) + "/link";
    }

    public static String tagsDir(RepositoryName name) {
        return manifestsDir(name) + "/tags";
    }

    public static String tagDir(RepositoryName name, Tag tag) {
        return tagsDir(name) + "/" + tag.value();
    }

    public static String tagCurrentLink(RepositoryName name, Tag tag) {
        return tagDir(name, tag) + "/current/link";
    }

    public static String tagIndexLink(RepositoryName name, Tag tag, Digest d) {
        return tagDir(name, tag) + "/index/" + d.algorithm().id() + "/" + d.encoded() + "/link";
    }

    public static String uploadsDir(RepositoryName name) {
        return repository(name) + "/_uploads";
    }

    public static String uploadDir(RepositoryName name, String uploadId) {
        return uploadsDir(name) + "/" + uploadId;
    }

    public static String uploadData(RepositoryName name, String uploadId) {
        return uploadDir(name, uploadId) + "/data";
    }

    public static String uploadStartedAt(RepositoryName name, String uploadId) {
        return uploadDir(name, uploadId) + "/startedat";
    }

    public static String referrersDir(RepositoryName name, Digest subject) {
        return repository(name) + "/_referrers/subjects/" + subject.algorithm().id() + "/" + subject.encoded();
    }

    public static String referrerLink(RepositoryName name, Digest subject, Digest referrer) {
        return referrersDir(name, subject) + "/" + referrer.algorithm().id() + "/" + referrer.encoded() + "/link";
    }

    /** The text of a link file that points at {@code d}. */
    public static byte[] linkContent(Digest d) {
        return d.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Reads a link file's text; distribution writes no trailing newline, but tolerate one. */
    public static Digest parseLink(byte[] content) {
        return Digest.parse(new String(content, java.nio.charset.StandardCharsets.US_ASCII).strip());
    }
}
