package dev.skiff.formats;

import java.util.Set;

/** The media types of the OCI image spec and of Docker's image manifest v2 schema 2. */
public final class MediaTypes {
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";

    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    /** An uncompressed layer tar, as {@code docker save} archives hold them. */
    public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
    public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String DOCKER_FOREIGN_LAYER_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    /** Schema 1 manifests: recognized so they can be refused with a clear message. */
    public static final String DOCKER_MANIFEST_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public static final String DOCKER_MANIFEST_V1 = "application/vnd.docker.distribution.manifest.v1+json";

    /** Manifest media types a registry stores and serves. */
    public static final Set<String> MANIFESTS = Set.of(OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST);

    public static boolean isIndex(String mediaType) {
        return OCI_INDEX.equals(mediaType) || DOCKER_MANIFEST_LIST.equals(mediaType);
    }

    public static boolean isImageManifest(String mediaType) {
        return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
    }

    private MediaTypes() {
    }
}
