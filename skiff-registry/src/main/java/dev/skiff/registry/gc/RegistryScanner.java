package dev.skiff.registry.gc;

import dev.skiff.formats.Digest;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.RepositoryName;
import dev.skiff.formats.Tag;
import dev.skiff.registry.storage.RegistryLayout;
import dev.skiff.registry.storage.StorageDriver;
import dev.skiff.registry.storage.StorageDriver.FileInfo;

import java.io.IOException;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Reads what the collector needs from the storage layout, without judging it. Anything it cannot
 * read that might hold a reference is an {@link IOException}: the collector then removes nothing,
 * because a reference it did not see would make it delete a blob still in use.
 */
final class RegistryScanner {
    private static final List<String> REPOSITORY_MARKERS = List.of("_manifests", "_layers", "_uploads");

    private final StorageDriver driver;
    private final Consumer<String> warn;

    RegistryScanner(StorageDriver driver, Consumer<String> warn) {
        this.driver = driver;
        this.warn = warn;
    }

    /** What the collector knows about one repository. */
    record Repository(RepositoryName name, Map<Digest, FileTime> revisions, Map<Tag, Digest> tags,
                      boolean tagsReadable, Map<Digest, FileTime> layerLinks, List<String> uploads) {
    }

    /** A blob folder under {@code blobs/}; {@code modified} is its data file's, or the folder's without one. */
    record Blob(Digest digest, long size, FileTime modified) {
    }

    /** Every repository, nested names included, sorted by name. */
    List<RepositoryName> repositories() throws IOException {
        List<RepositoryName> found = new ArrayList<>();
        walk("", found);
        found.sort(null);
        return found;
    }

    private void walk(String relative, List<RepositoryName> found) throws IOException {
        List<String> children = driver.list(relative.isEmpty()
                ? RegistryLayout.REPOSITORIES : RegistryLayout.REPOSITORIES + "/" + relative);
        if (!relative.isEmpty() && children.stream().anyMatch(REPOSITORY_MARKERS::contains)) {
            if (!RepositoryName.isValid(relative)) {
                throw new IOException("the folder repositories/" + relative + " holds a repository whose name is"
                        + " not valid, so its references cannot be read; rename or remove it and collect again");
            }
            found.add(RepositoryName.parse(relative));
        }
        for (String child : children) {
            if (!child.startsWith("_")) {
                walk(relative.isEmpty() ? child : relative + "/" + child, found);
            }
        }
    }

    Repository scan(RepositoryName name) throws IOException {
        Map<Tag, Digest> tags = new TreeMap<>();
        boolean tagsReadable = true;
        for (String tagName : driver.list(RegistryLayout.tagsDir(name))) {
            if (!Tag.isValid(tagName)) {
                warn.accept(name + ": ignoring the folder of invalid tag \"" + tagName + "\"");
                continue;
            }
            Tag tag = Tag.parse(tagName);
            String link = RegistryLayout.tagCurrentLink(name, tag);
            if (driver.stat(link).isEmpty()) {
                continue; // a tag deleted through the API leaves its folder without current/link
            }
            try {
                tags.put(tag, RegistryLayout.parseLink(driver.getContent(link)));
            } catch (FormatException e) {
                warn.accept(name + ": tag " + tag + " has an unreadable link (" + e.getMessage()
                        + "); no revision of this repository is removed as untagged");
                tagsReadable = false;
            }
        }
        return new Repository(name, links(RegistryLayout.revisionsDir(name)), tags, tagsReadable,
                links(RegistryLayout.layersDir(name)), driver.list(RegistryLayout.uploadsDir(name)));
    }

    /**
     * The digests of {@code <dir>/<alg>/<hex>/link} entries with each link's modification time. The
     * path names the digest, as distribution reads it; a folder with no link is a removal in progress.
     */
    private Map<Digest, FileTime> links(String dir) throws IOException {
        Map<Digest, FileTime> links = new TreeMap<>();
        for (String algorithm : driver.list(dir)) {
            for (String encoded : driver.list(dir + "/" + algorithm)) {
                Optional<Digest> digest = digest(algorithm, encoded);
                if (digest.isEmpty()) {
                    warn.accept("ignoring " + dir + "/" + algorithm + "/" + encoded + ": not a digest");
                    continue;
                }
                Optional<FileInfo> link = driver.stat(dir + "/" + algorithm + "/" + encoded + "/link");
                if (link.isPresent() && !link.get().directory()) {
                    links.put(digest.get(), link.get().modified());
                }
            }
        }
        return links;
    }

    /** Every blob in {@code blobs/}. Folders that are not a digest this registry knows are left alone. */
    List<Blob> blobs() throws IOException {
        List<Blob> blobs = new ArrayList<>();
        for (String algorithm : driver.list(RegistryLayout.BLOBS)) {
            String algorithmDir = RegistryLayout.BLOBS + "/" + algorithm;
            for (String prefix : driver.list(algorithmDir)) {
                for (String encoded : driver.list(algorithmDir + "/" + prefix)) {
                    Optional<Digest> digest = digest(algorithm, encoded).filter(d -> d.encoded().startsWith(prefix));
                    if (digest.isEmpty()) {
                        warn.accept("leaving alone blobs/" + algorithm + "/" + prefix + "/" + encoded
                                + ": not a blob folder");
                        continue;
                    }
                    stat(digest.get()).ifPresent(blobs::add);
                }
            }
        }
        return blobs;
    }

    /** The blob as it is now, or empty once it is gone. */
    Optional<Blob> stat(Digest digest) throws IOException {
        Optional<FileInfo> data = driver.stat(RegistryLayout.blobData(digest));
        if (data.isEmpty()) {
            data = driver.stat(RegistryLayout.blobDir(digest));
        }
        return data.map(info -> new Blob(digest, info.directory() ? 0 : info.size(), info.modified()));
    }

    private static Optional<Digest> digest(String algorithm, String encoded) {
        String text = algorithm + ":" + encoded;
        return Digest.isValid(text) ? Optional.of(Digest.parse(text)) : Optional.empty();
    }
}
