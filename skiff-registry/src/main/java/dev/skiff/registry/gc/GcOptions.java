package dev.skiff.registry.gc;

import java.time.Duration;

/**
 * How a {@link GarbageCollector} run behaves.
 *
 * @param dryRun         report what would be removed, remove nothing
 * @param deleteUntagged also remove manifest revisions that no tag reaches (distribution's
 *                       {@code --delete-untagged}), with their referrers
 * @param gracePeriod    blobs, revisions and links modified less than this long before the run
 *                       started are never removed; it must cover the clock skew between the
 *                       registry's writers and the collector and the filesystem's timestamp granularity
 * @param uploadMaxAge   an upload neither started nor written to for this long is abandoned and removed
 * @param batchSize      deletions done under one hold of {@link CollectionLock#exclusive()}; smaller
 *                       batches block pushes for shorter moments
 */
public record GcOptions(boolean dryRun, boolean deleteUntagged, Duration gracePeriod, Duration uploadMaxAge,
                        int batchSize) {

    public GcOptions {
        if (gracePeriod == null || gracePeriod.isNegative()) {
            throw new IllegalArgumentException("the grace period must be zero or more");
        }
        if (uploadMaxAge == null || uploadMaxAge.isNegative() || uploadMaxAge.isZero()) {
            throw new IllegalArgumentException("the upload maximum age must be positive");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("the batch size must be at least 1");
        }
    }

    /** Keep every revision, one hour of grace, uploads abandoned after a day, batches of 100. */
    public static GcOptions defaults() {
        return new GcOptions(false, false, Duration.ofHours(1), Duration.ofHours(24), 100);
    }

    public GcOptions withDryRun(boolean dryRun) {
        return new GcOptions(dryRun, deleteUntagged, gracePeriod, uploadMaxAge, batchSize);
    }

    public GcOptions withDeleteUntagged(boolean deleteUntagged) {
        return new GcOptions(dryRun, deleteUntagged, gracePeriod, uploadMaxAge, batchSize);
    }

    public GcOptions withGracePeriod(Duration gracePeriod) {
        return new GcOptions(dryRun, deleteUntagged, gracePeriod, uploadMaxAge, batchSize);
    }

    public GcOptions withUploadMaxAge(Duration uploadMaxAge) {
        return new GcOptions(dryRun, deleteUntagged, gracePeriod, uploadMaxAge, batchSize);
    }

    public GcOptions withBatchSize(int batchSize) {
        return new GcOptions(dryRun, deleteUntagged, gracePeriod, uploadMaxAge, batchSize);
    }
}
