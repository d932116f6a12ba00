package dev.skiff.engine.content;

import dev.skiff.engine.AtomicFiles;
import dev.skiff.formats.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Blobs by digest on the file system, in containerd's layout:
 * <pre>
 * content/blobs/sha256/&lt;hex&gt;   every blob, exactly as pulled or built
 * content/blobs/sha512/&lt;hex&gt;
 * content/ingest/               writers' files, each private to one writer; emptied at open
 * </pre>
 * A blob is whole or absent at every instant: it is only ever created by renaming a verified,
 * fsynced file into place, and never changed after. The daemon holds the data root alone, so
 * whatever is in {@code ingest/} at open was left by a crash and is deleted.
 */
public final class ContentStore implements BlobReader, BlobIngester {
    private final Path root;
    private final Path blobs;
    private final Path ingest;

    private ContentStore(Path root) {
        this.root = root;
        this.blobs = root.resolve("blobs");
        this.ingest = root.resolve("ingest");
    }

    /** Opens (creating when needed) the store under {@code <dataRoot>/content}. */
    public static ContentStore open(Path dataRoot) {
        ContentStore store = new ContentStore(dataRoot.resolve("content"));
        try {
            for (Digest.Algorithm a : Digest.Algorithm.values()) {
                Files.createDirectories(store.blobs.resolve(a.id()));
            }
            Files.createDirectories(store.ingest);
            try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(store.ingest)) {
                for (Path f : leftovers) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            throw new ContentException("cannot open the content store at " + store.root + ": " + e.getMessage()
                    + "; check that the data root exists and is writable", e);
        }
        return store;
    }

    /** The directory this store lives in ({@code <dataRoot>/content}). */
    public Path root() {
        return root;
    }

    @Override
    public Optional<Long> size(Digest digest) {
        try {
            return Optional.of(Files.size(blobPath(digest)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ContentException("cannot read blob " + digest + ": " + e.getMessage(), e);
        }
    }

    public boolean contains(Digest digest) {
        return Files.isRegularFile(blobPath(digest));
    }

    @Override
    public InputStream open(Digest digest) {
        try {
            return Files.newInputStream(blobPath(digest));
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(digest);
        } catch (IOException e) {
            throw new ContentException("cannot read blob " + digest + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path path(Digest digest) {
        Path p = blobPath(digest);
        if (!Files.isRegularFile(p)) {
            throw new BlobNotFoundException(digest);
        }
        return p;
    }

    @Override
    public byte[] read(Digest digest) {
        try {
            return Files.readAllBytes(blobPath(digest));
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(digest);
        } catch (IOException e) {
            throw new ContentException("cannot read blob " + digest + ": " + e.getMessage(), e);
        }
    }

    @Override
    public ContentWriter writer() {
        return writer(Digest.Algorithm.SHA256);
    }

    public ContentWriter writer(Digest.Algorithm algorithm) {
        try {
            return new ContentWriter(this, ingest.resolve("blob-" + java.util.UUID.randomUUID()), algorithm);
        } catch (IOException e) {
            throw new ContentException("cannot start writing a blob in " + ingest + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Digest put(byte[] content) {
        Digest digest = Digest.sha256(content);
        if (contains(digest)) {
            return digest;
        }
        try (ContentWriter w = writer()) {
            w.write(content);
            return w.commit(Optional.of(digest), Optional.of((long) content.length));
        } catch (IOException e) {
            throw new ContentException("cannot store blob " + digest + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a blob; deleting one that is absent does nothing. Readers that opened it keep reading. */
    public void delete(Digest digest) {
        try {
            if (Files.deleteIfExists(blobPath(digest))) {
                AtomicFiles.syncDirectory(blobPath(digest).getParent());
            }
        } catch (IOException e) {
            throw new ContentException("cannot delete blob " + digest + ": " + e.getMessage(), e);
        }
    }

    /** Every blob in the store, sorted. */
    public List<Digest> list() {
        List<Digest> all = new ArrayList<>();
        for (Digest.Algorithm a : Digest.Algorithm.values()) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(blobs.resolve(a.id()))) {
                for (Path f : files) {
                    String name = f.getFileName().toString();
                    if (Digest.isValid(a.id() + ":" + name)) {
                        all.add(new Digest(a, name));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + blobs.resolve(a.id()), e);
            }
        }
        all.sort(null);
        return all;
    }

    Path blobPath(Digest digest) {
        return blobs.resolve(digest.algorithm().id()).resolve(digest.encoded());
    }
}
