package dev.skiff.registry.gc;

import dev.skiff.formats.Digest;

import java.util.ArrayList;
import java.util.List;

/**
 * What one {@link GarbageCollector} run found and removed (or, in a dry run, would remove).
 *
 * @param dryRun            true when nothing was actually removed
 * @param repositories      repositories scanned
 * @param blobsMarked       blobs present in storage and reachable from a kept manifest
 * @param bytesMarked       their total size
 * @param blobsDeleted      unreachable blobs removed
 * @param bytesDeleted      their total size
 * @param blobsKeptRecent   unreachable blobs kept because they were written or touched within the
 *                          grace period or during the run (pushes in flight)
 * @param removedManifests  manifest revisions removed by {@code deleteUntagged}, as {@code name@digest}
 * @param layerLinksRemoved repository links to blobs that were removed or missing
 * @param uploadsRemoved    abandoned uploads removed
 * @param deletedBlobs      the removed blobs, sorted
 * @param warnings          problems that did not stop the run, such as manifests that are not valid JSON
 */
public record GcReport(boolean dryRun, int repositories, long blobsMarked, long bytesMarked, long blobsDeleted,
                       long bytesDeleted, long blobsKeptRecent, List<String> removedManifests, int layerLinksRemoved,
                       int uploadsRemoved, List<Digest> deletedBlobs, List<String> warnings) {

    public GcReport {
        removedManifests = List.copyOf(removedManifests);
        deletedBlobs = List.copyOf(deletedBlobs);
        warnings = List.copyOf(warnings);
    }

    public int manifestsRemoved() {
        return removedManifests.size();
    }

    /** Human-readable lines in the spirit of distribution's {@code garbage-collect} output. */
    public List<String> describe() {
        String verb = dryRun ? "eligible for deletion" : "deleted";
        List<String> lines = new ArrayList<>();
        if (dryRun) {
            lines.add("dry run: nothing was removed");
        }
        lines.add(repositories + " repositories scanned");
        lines.add(blobsMarked + " blobs marked (" + bytes(bytesMarked) + "), " + blobsDeleted + " blobs ("
                + bytes(bytesDeleted) + ") and " + removedManifests.size() + " manifests " + verb);
        for (String manifest : removedManifests) {
            lines.add("manifest " + verb + ": " + manifest);
        }
        for (Digest blob : deletedBlobs) {
            lines.add("blob " + verb + ": " + blob);
        }
        if (blobsKeptRecent > 0) {
            lines.add(blobsKeptRecent + " unreferenced blobs kept: written within the grace period");
        }
        lines.add(layerLinksRemoved + " layer links and " + uploadsRemoved + " abandoned uploads " + verb);
        for (String warning : warnings) {
            lines.add("warning: " + warning);
        }
        return lines;
    }

    @Override
    public String toString() {
        return String.join("\n", describe());
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String units = "KMGTPE";
        int unit = (63 - Long.numberOfLeadingZeros(n)) / 10;
        return String.format(java.util.Locale.ROOT, "%.1f %siB", n / (double) (1L << (unit * 10)), units.charAt(unit - 1));
    }
}
