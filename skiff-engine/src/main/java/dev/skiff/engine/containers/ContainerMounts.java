package dev.skiff.engine.containers;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.engine.AtomicFiles;
import dev.skiff.engine.volumes.Volume;
import dev.skiff.engine.volumes.Volumes;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A container's mounts: planned once at create from its {@code Binds} ({@code /host:/path} binds,
 * {@code name:/path} named volumes, made when missing) and its config's {@code Volumes} (the
 * image's VOLUME and {@code -v /path}: an anonymous volume each, unless a bind covers the path),
 * and kept in {@code <container>/mounts.json} so start, inspect and volume removal agree on them.
 */
final class ContainerMounts {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FILE = "mounts.json";

    private ContainerMounts() {
    }

    /** Checks every {@code Binds} entry without making anything: a create that fails leaves no volume. */
    static void validate(List<String> binds) {
        binds.forEach(ContainerMounts::parse);
    }

    /** Makes the volumes the container needs and describes its mounts. */
    static List<MountPoint> plan(List<String> binds, Map<String, Object> configVolumes, Volumes volumes) {
        Map<String, MountPoint> byDestination = new LinkedHashMap<>();
        for (String spec : binds) {
            MountPoint m = parse(spec);
            if (m.isVolume()) {
                Volume v = volumes.create(Optional.of(m.name()), "local", Map.of(), Map.of());
                m = new MountPoint("volume", v.name(), v.mountpoint(), m.destination(), m.rw(), m.mode());
            }
            byDestination.put(clean(m.destination()), m);
        }
        if (configVolumes != null) {
            for (String destination : configVolumes.keySet()) {
                if (!destination.startsWith("/") || byDestination.containsKey(clean(destination))) {
                    continue;
                }
                Volume v = volumes.create(Optional.empty(), "local", Map.of(Volume.ANONYMOUS_LABEL, ""), Map.of());
                byDestination.put(clean(destination), new MountPoint("volume", v.name(), v.mountpoint(), destination, true, ""));
            }
        }
        return List.copyOf(byDestination.values());
    }

    /** One {@code Binds} entry; a volume's source is filled in by {@link #plan}. */
    static MountPoint parse(String spec) {
        String[] parts = spec.split(":");
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || !parts[1].startsWith("/")) {
            throw new ContainerException.InvalidArgument("invalid volume specification: '" + spec + "'");
        }
        boolean ro = false;
        String mode = parts.length == 3 ? parts[2] : "";
        for (String opt : mode.isEmpty() ? new String[0] : mode.split(",")) {
            switch (opt) {
                case "ro" -> ro = true;
                case "rw", "z", "Z", "rprivate", "private", "nocopy" -> {
                }
                default -> throw new ContainerException.InvalidArgument("invalid mode: " + opt);
            }
        }
        if (parts[0].startsWith("/")) {
            return new MountPoint("bind", "", Path.of(parts[0]), parts[1], !ro, mode);
        }
        if (!Volumes.validName(parts[0])) {
            throw new ContainerException.InvalidArgument("create " + parts[0] + ": \"" + parts[0]
                    + "\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed."
                    + " If you intended to pass a host directory, use absolute path");
        }
        return new MountPoint("volume", parts[0], Path.of(""), parts[1], !ro, mode);
    }

    static void save(Container c, List<MountPoint> mounts) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (MountPoint m : mounts) {
            out.add(Map.of("Type", m.type(), "Name", m.name(), "Source", m.source().toString(),
                    "Destination", m.destination(), "RW", m.rw(), "Mode", m.mode()));
        }
        AtomicFiles.write(c.dir().resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(out));
    }

    /** The saved mounts; a container from before mounts were saved has its binds only. */
    static List<MountPoint> of(Container c) {
        Path file = c.dir().resolve(FILE);
        if (!Files.exists(file)) {
            return c.hostConfig().binds().stream().map(ContainerMounts::parse).filter(m -> !m.isVolume()).toList();
        }
        try {
            List<Map<String, Object>> in = JSON.readValue(file.toFile(), new TypeReference<>() { });
            return in.stream().map(m -> new MountPoint((String) m.get("Type"), (String) m.get("Name"),
                    Path.of((String) m.get("Source")), (String) m.get("Destination"), (Boolean) m.get("RW"),
                    (String) m.get("Mode"))).toList();
        } catch (IOException | RuntimeException e) {
            throw new ContainerException.HostFailure("the mounts of container " + c.shortId() + " (" + file
                    + ") cannot be read: " + e.getMessage() + "; remove the container and create it again", e);
        }
    }

    /**
     * Docker's copy-up: an empty volume mounted over a directory of the image first receives that
     * directory's content, so an image's VOLUME starts with what the image put there.
     */
    static void fillEmptyVolumes(List<MountPoint> mounts, Path rootfs) throws IOException {
        for (MountPoint m : mounts) {
            if (!m.isVolume() || m.mode().contains("nocopy") || !Files.isDirectory(m.source()) || !isEmpty(m.source())) {
                continue;
            }
            Path from = RootPath.resolve(rootfs, m.destination());
            if (!Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            copyTree(from, m.source());
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /** Copies contents with owners, modes and times, links as links. */
    private static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(dir).toString());
                if (!dir.equals(from)) {
                    Files.copy(dir, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES,
                        LinkOption.NOFOLLOW_LINKS);
                return FileVisitResult.CONTINUE;
            }
        });
        // the volume's root takes the directory's mode and owner, as docker's copy-up does
        Files.setPosixFilePermissions(to, Files.getPosixFilePermissions(from, LinkOption.NOFOLLOW_LINKS));
        Files.setAttribute(to, "unix:uid", Files.getAttribute(from, "unix:uid", LinkOption.NOFOLLOW_LINKS));
        Files.setAttribute(to, "unix:gid", Files.getAttribute(from, "unix:gid", LinkOption.NOFOLLOW_LINKS));
    }

    private static String clean(String destination) {
        String d = Path.of(destination).normalize().toString();
        return d.isEmpty() ? "/" : d;
    }
}
