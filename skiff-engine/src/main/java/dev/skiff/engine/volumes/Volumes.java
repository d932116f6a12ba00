package dev.skiff.engine.volumes;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.AtomicFiles;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The named volumes of one data root, laid out as docker's {@code local} driver lays them out:
 * <pre>
 * &lt;data-root&gt;/volumes/&lt;name&gt;/_data          what containers mount
 * &lt;data-root&gt;/volumes/&lt;name&gt;/volume.json    name, created, labels, options
 * </pre>
 * A volume is made under a temporary name and renamed into place, so a crash leaves a whole volume
 * or none; removal renames it away first for the same reason. Whether a volume is in use is the
 * containers' business: the caller says who uses it.
 */
public final class Volumes {
    /** Docker's rule for local volume names. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    private static final String RECORD = "volume.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;

    private Volumes(Path root) {
        this.root = root;
    }

    /** Opens (creating if needed) {@code <dataRoot>/volumes}, dropping what a crashed create or remove left. */
    public static Volumes open(Path dataRoot) {
        Path root = dataRoot.resolve("volumes");
        try {
            Files.createDirectories(root);
            try (Stream<Path> entries = Files.list(root)) {
                for (Path p : entries.toList()) {
                    if (p.getFileName().toString().startsWith(AtomicFiles.TEMP_PREFIX)) {
                        deleteTree(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new VolumeException.HostFailure("cannot open the volumes in " + root + ": " + e.getMessage(), e);
        }
        return new Volumes(root);
    }

    /** Whether {@code text} can name a volume (else, in a {@code -v}, it is a path). */
    public static boolean validName(String text) {
        return NAME.matcher(text).matches();
    }

    /**
     * Creates a volume, or returns the existing one of that name (as docker does).
     *
     * @param name empty generates a 64-hex name
     */
    public synchronized Volume create(Optional<String> name, String driver, Map<String, String> labels, Map<String, String> options) {
        if (!driver.isEmpty() && !driver.equals("local")) {
            throw new VolumeException.InvalidArgument("error looking up volume plugin " + driver
                    + ": plugin \"" + driver + "\" not found; skiff has only the local driver");
        }
        if (!options.isEmpty()) {
            throw new VolumeException.InvalidArgument("create " + name.orElse("") + ": driver options " + options.keySet()
                    + " are not supported by skiff's local driver; create the volume without --opt");
        }
        String n = name.filter(s -> !s.isEmpty()).orElseGet(Volumes::newName);
        if (!validName(n)) {
            throw new VolumeException.InvalidArgument("create " + n + ": \"" + n + "\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
        }
        Optional<Volume> existing = find(n);
        if (existing.isPresent()) {
            return existing.get();
        }
        Path staging = root.resolve(AtomicFiles.TEMP_PREFIX + n + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        Volume v = new Volume(n, Instant.now(), labels, options, root.resolve(n).resolve("_data"));
        try {
            Files.createDirectories(staging.resolve("_data"));
            ObjectNode record = JSON.createObjectNode();
            record.put("Name", n);
            record.put("CreatedAt", v.created().toString());
            record.set("Labels", JSON.valueToTree(new TreeMap<>(labels)));
            record.set("Options", JSON.valueToTree(new TreeMap<>(options)));
            AtomicFiles.write(staging.resolve(RECORD), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
            AtomicFiles.moveIntoPlace(staging, root.resolve(n));
        } catch (IOException e) {
            deleteQuietly(staging);
            throw new VolumeException.HostFailure("cannot create volume " + n + " in " + root + ": " + e.getMessage(), e);
        }
        return v;
    }

    public synchronized List<Volume> list() {
        List<Volume> out = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : entries.sorted().toList()) {
                String n = p.getFileName().toString();
                if (!n.startsWith(AtomicFiles.TEMP_PREFIX)) {
                    find(n).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            throw new VolumeException.HostFailure("cannot list the volumes in " + root + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(Volume::name));
        return out;
    }

    /** @throws VolumeException.NotFound when there is none of that name */
    public synchronized Volume get(String name) {
        return find(name).orElseThrow(() -> new VolumeException.NotFound(name));
    }

    public synchronized Optional<Volume> find(String name) {
        if (!validName(name)) {
            return Optional.empty();
        }
        Path record = root.resolve(name).resolve(RECORD);
        if (!Files.isRegularFile(record, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(record.toFile());
            Map<String, String> labels = JSON.convertValue(n.path("Labels"), new TypeReference<Map<String, String>>() { });
            Map<String, String> options = JSON.convertValue(n.path("Options"), new TypeReference<Map<String, String>>() { });
            return Optional.of(new Volume(name, Instant.parse(n.path("CreatedAt").asText()),
                    labels == null ? Map.of() : labels, options == null ? Map.of() : options, root.resolve(name).resolve("_data")));
        } catch (IOException | RuntimeException e) {
            throw new VolumeException.HostFailure("the record of volume " + name + " (" + record + ") is damaged: "
                    + e.getMessage() + "; remove that directory by hand", e);
        }
    }

    /**
     * Removes a volume and its data.
     *
     * @param usedBy the containers (full IDs) that refer to it; any refuses the removal. Asked while
     *               this store is locked: a container create that holds the lock while it plans its
     *               mounts and records itself cannot slip in between the check and the removal
     * @param force  a missing volume is not an error
     */
    public synchronized void remove(String name, java.util.function.Supplier<List<String>> usedBy, boolean force) {
        Optional<Volume> v = find(name);
        if (v.isEmpty()) {
            if (force) {
                return;
            }
            throw new VolumeException.NotFound(name);
        }
        List<String> users = usedBy.get();
        if (!users.isEmpty()) {
            throw new VolumeException.InUse("remove " + name + ": volume is in use - [" + String.join(", ", users) + "]");
        }
        Path dir = root.resolve(name);
        Path doomed = root.resolve(AtomicFiles.TEMP_PREFIX + "removing-" + name);
        try {
            deleteTree(doomed);
            Files.move(dir, doomed, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            deleteTree(doomed);
        } catch (IOException e) {
            throw new VolumeException.HostFailure("cannot remove volume " + name + ": " + e.getMessage(), e);
        }
    }

    /** Bytes of the volume's regular files, what a prune reclaims. */
    public long size(Volume v) {
        long[] total = {0};
        try {
            Files.walkFileTree(v.mountpoint(), new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        total[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            return total[0];
        }
        return total[0];
    }

    private static String newName() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static void deleteQuietly(Path p) {
        try {
            deleteTree(p);
        } catch (IOException e) {
            // a leftover .tmp- directory; the next open removes it
        }
    }

    /** Deletes a tree without following links: a volume may hold links to anywhere. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
