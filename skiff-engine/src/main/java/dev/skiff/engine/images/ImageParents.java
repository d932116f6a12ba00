package dev.skiff.engine.images;

import dev.skiff.engine.AtomicFiles;
import dev.skiff.formats.Digest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Which image a build step made from which (dockerd's image {@code Parent}): what lets
 * {@code docker images} hide a build's intermediate images and {@code docker rmi} take them along.
 * One small file per child under {@code <dataRoot>/image-parents}, named by the child's hex ID and
 * holding the parent's ID; a link whose images are gone is simply never asked about.
 */
public final class ImageParents {
    private final Path dir;
    private final Map<Digest, Digest> parents = new ConcurrentHashMap<>();

    private ImageParents(Path dir) {
        this.dir = dir;
    }

    public static ImageParents open(Path dataRoot) {
        Path dir = dataRoot.resolve("image-parents");
        ImageParents p = new ImageParents(dir);
        try {
            Files.createDirectories(dir);
            AtomicFiles.removeTemporaries(dir);
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path f : files) {
                    try {
                        p.parents.put(Digest.parse("sha256:" + f.getFileName()), Digest.parse(Files.readString(f).strip()));
                    } catch (RuntimeException | IOException e) {
                        // an unreadable link is a missing one: the image then shows as a head
                    }
                }
            }
        } catch (IOException e) {
            throw new ImageStoreException("cannot open the image parent links in " + dir + ": " + e.getMessage(), e);
        }
        return p;
    }

    public void set(Digest child, Digest parent) {
        if (parent.equals(parents.get(child))) {
            return;
        }
        try {
            AtomicFiles.write(dir.resolve(child.encoded()), (parent + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ImageStoreException("cannot record the parent of image " + child + " in " + dir + ": " + e.getMessage(), e);
        }
        parents.put(child, parent);
    }

    public Optional<Digest> parent(Digest child) {
        return Optional.ofNullable(parents.get(child));
    }

    /** The images among {@code existing} that are the parent of another of them. */
    public Set<Digest> withChildren(Collection<Image> existing) {
        Set<Digest> ids = existing.stream().map(Image::id).collect(Collectors.toSet());
        return existing.stream().map(i -> parents.get(i.id())).filter(p -> p != null && ids.contains(p))
                .collect(Collectors.toSet());
    }
}
