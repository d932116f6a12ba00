package dev.skiff.registry.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;

/**
 * The registry's storage, keyed by slash-separated paths that always start with {@code /}
 * (as CNCF distribution's {@code storagedriver.StorageDriver}). Paths come from {@link RegistryLayout}
 * only, never from a client, so a driver can trust them to be normalized and relative to its root.
 *
 * <p>Every write that makes something visible is atomic: a reader sees the old content or the new,
 * never part of it.
 */
public interface StorageDriver {

    /** The whole content of a small file (links, manifests). */
    byte[] getContent(String path) throws IOException;

    /** Replaces the file's content atomically, creating parent folders as needed. */
    void putContent(String path, byte[] content) throws IOException;

    /**
     * Writes a file without making it atomic or durable: for the scratch files of an upload, whose
     * loss in a crash only means the client starts that upload again.
     */
    void putScratch(String path, byte[] content) throws IOException;

    /** Opens the file for reading; a {@link FileChannel} so blobs can be served with sendfile. */
    FileChannel openRead(String path) throws IOException;

    /** Opens a file for appending, creating it if absent. Not atomic: used for upload data only. */
    FileChannel openAppend(String path) throws IOException;

    /** Size and modification time, or empty when nothing is at {@code path}. */
    Optional<FileInfo> stat(String path) throws IOException;

    /** Names (not paths) of the direct children of a folder, or an empty list when it does not exist. */
    List<String> list(String path) throws IOException;

    /**
     * Moves a file into place atomically, replacing what is there, creating parent folders.
     * The source's content is flushed to disk first.
     */
    void move(String from, String to) throws IOException;

    /** Deletes a file or a whole folder; nothing at {@code path} is not an error. */
    void delete(String path) throws IOException;

    /** Sets the modification time (used to protect fresh blobs from a concurrent garbage collection). */
    void touch(String path, FileTime time) throws IOException;

    /** What {@link #stat} tells about a path. */
    record FileInfo(long size, FileTime modified, boolean directory) {
    }
}
