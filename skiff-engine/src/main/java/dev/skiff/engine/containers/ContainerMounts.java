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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A container's mounts: planned once at create from its {@code Binds} ({@code /host:/path} binds,
 * {@code name:/path} named volumes, made when missing), its {@code Mounts} ({@code --mount}: binds,
 * volumes, tmpfs) and its config's {@code Volumes} (the
 * image's VOLUME and {@code -v /path}: an anonymous volume each, unless a bind covers the path),
 * and kept in {@code <container>/mounts.json} so start, inspect and volume removal agree on them.
 */
final class ContainerMounts {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FILE = "mounts.json";
    static final Set<String> PROPAGATIONS = Set.of("private", "rprivate", "shared", "rshared", "slave", "rslave");

    private ContainerMounts() {
    }

    /**
     * Checks the {@code Binds}, {@code Mounts} and {@code Tmpfs} of a create without making anything, with
     * dockerd's words: a create that fails leaves no volume.
     */
    static void validate(List<String> binds, List<Mount> mounts, Map<String, String> tmpfs) {
        Set<String> destinations = new HashSet<>();
        for (var t : tmpfs.entrySet()) {
            validateTarget(t.getKey()).ifPresent(why -> {
                throw new ContainerException.InvalidArgument(why);
            });
            OciSpec.mergeTmpfsOptions(t.getValue() == null ? List.of() : List.of(t.getValue().split(",")));
            destinations.add(clean(t.getKey()));
        }
        for (String spec : binds) {
            MountPoint m = parse(spec);
            if (!destinations.add(clean(m.destination()))) {
                throw duplicate(m.destination());
            }
        }
        for (Mount m : mounts) {
            validate(m);
            if (!destinations.add(clean(m.target()))) {
                throw duplicate(m.target());
            }
        }
    }

    private static ContainerException.InvalidArgument duplicate(String destination) {
        return new ContainerException.InvalidArgument("Duplicate mount point: " + destination);
    }

    /** moby's validateMountConfig for Linux, bind sources checked now, as dockerd checks them at create. */
    static void validate(Mount m) {
        String why = whyInvalid(m);
        if (why != null) {
            throw new ContainerException.InvalidArgument("invalid mount config for type \"" + m.type() + "\": " + why);
        }
    }

    private static String whyInvalid(Mount m) {
        if (!m.type().equals("bind") && m.bindOptions() != null) {
            return "field BindOptions must not be specified";
        }
        if (!m.type().equals("volume") && m.volumeOptions() != null) {
            return "field VolumeOptions must not be specified";
        }
        if (!m.type().equals("tmpfs") && m.tmpfsOptions() != null) {
            return "field TmpfsOptions must not be specified";
        }
        if (m.target().isEmpty()) {
            return "field Target must not be empty";
        }
        Optional<String> target = validateTarget(m.target());
        if (target.isPresent()) {
            return target.get();
        }
        switch (m.type()) {
            case "bind" -> {
                if (m.source().isEmpty()) {
                    return "field Source must not be empty";
                }
                String propagation = m.bindOptions() == null ? "" : m.bindOptions().propagation();
                if (!propagation.isEmpty() && !PROPAGATIONS.contains(propagation)) {
                    return "invalid propagation mode: " + propagation;
                }
                if (!m.source().startsWith("/")) {
                    return "invalid mount path: '" + m.source() + "' mount path must be absolute";
                }
                boolean create = m.bindOptions() != null && m.bindOptions().createMountpoint();
                if (!create && !Files.exists(Path.of(m.source()))) {
                    return "bind source path does not exist: " + m.source();
                }
            }
            case "volume" -> {
                if (m.volumeOptions() != null && !m.volumeOptions().subpath().isEmpty()) {
                    return "volume subpaths (volume-subpath) are not supported by skiff; mount the whole volume";
                }
                String driver = m.volumeOptions() == null || m.volumeOptions().driverConfig() == null ? ""
                        : m.volumeOptions().driverConfig().name();
                if (!driver.isEmpty() && !driver.equals("local")) {
                    // checked here, not when the volume is made, so an earlier mount's volume is not made either
                    return "error looking up volume plugin " + driver + ": plugin \"" + driver + "\" not found; skiff has only the local driver";
                }
                if (!m.source().isEmpty() && !Volumes.validName(m.source())) {
                    return "\"" + m.source() + "\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed";
                }
            }
            case "tmpfs" -> {
                if (!m.source().isEmpty()) {
                    return "field Source must not be specified";
                }
                try {
                    tmpfsData(m);
                } catch (ContainerException.InvalidArgument e) {
                    return e.getMessage();
                }
            }
            default -> {
                return "mount type unknown";
            }
        }
        return null;
    }

    /** moby's destination checks: absolute, and not the root. */
    private static Optional<String> validateTarget(String target) {
        if (clean(target.replace('\\', '/')).equals("/")) {
            return Optional.of("invalid specification: destination can't be '/'");
        }
        if (!target.replace('\\', '/').startsWith("/")) {
            return Optional.of("invalid mount path: '" + target + "' mount path must be absolute");
        }
        return Optional.empty();
    }

    /**
     * A {@code --mount type=tmpfs}'s mount data as dockerd writes it: {@code ro}, {@code mode=} in octal,
     * {@code size=} in the largest unit that divides it, then the raw options (exec and noexec only).
     */
    static String tmpfsData(Mount m) {
        List<String> out = new ArrayList<>();
        if (m.readOnly()) {
            out.add("ro");
        }
        Mount.TmpfsOptions t = m.tmpfsOptions();
        if (t != null && t.mode() != 0) {
            out.add("mode=" + Integer.toOctalString(t.mode()));
        }
        if (t != null && t.sizeBytes() != 0) {
            long size = t.sizeBytes();
            String suffix = "";
            for (var unit : List.of(Map.entry("g", 1L << 30), Map.entry("m", 1L << 20), Map.entry("k", 1L << 10))) {
                if (size % unit.getValue() == 0) {
                    size /= unit.getValue();
                    suffix = unit.getKey();
                    break;
                }
            }
            out.add("size=" + size + suffix);
        }
        for (List<String> option : t == null ? List.<List<String>>of() : t.options()) {
            if (option.isEmpty() || option.size() > 2) {
                throw new ContainerException.InvalidArgument("invalid option array length");
            }
            if (!option.getFirst().equals("exec") && !option.getFirst().equals("noexec")) {
                throw new ContainerException.InvalidArgument("invalid option: " + option.getFirst());
            }
            out.add(String.join("=", option));
        }
        return String.join(",", out);
    }

    /**
     * Makes the volumes the container needs and describes its mounts: {@code Binds} first, then
     * {@code Mounts}, then an anonymous volume for each config volume no mount or tmpfs covers.
     */
    static List<MountPoint> plan(HostConfig host, Map<String, Object> configVolumes, Volumes volumes) {
        Map<String, MountPoint> byDestination = new LinkedHashMap<>();
        for (String spec : host.binds()) {
            MountPoint m = parse(spec);
            if (m.isVolume()) {
                Volume v = volumes.create(Optional.of(m.name()), "local", Map.of(), Map.of());
                m = new MountPoint("volume", v.name(), v.mountpoint(), m.destination(), m.rw(), m.mode());
            }
            byDestination.put(clean(m.destination()), m);
        }
        for (Mount spec : host.mounts()) {
            byDestination.put(clean(spec.target()), plan(spec, volumes));
        }
        if (configVolumes != null) {
            for (String destination : configVolumes.keySet()) {
                if (!destination.startsWith("/") || byDestination.containsKey(clean(destination))
                        || host.tmpfs().keySet().stream().anyMatch(t -> clean(t).equals(clean(destination)))) {
                    continue;
                }
                Volume v = volumes.create(Optional.empty(), "local", Map.of(Volume.ANONYMOUS_LABEL, ""), Map.of());
                byDestination.put(clean(destination), new MountPoint("volume", v.name(), v.mountpoint(), destination, true, ""));
            }
        }
        return List.copyOf(byDestination.values());
    }

    /** One validated {@code Mounts} entry: a named volume is made when missing, one without a name is anonymous. */
    private static MountPoint plan(Mount spec, Volumes volumes) {
        String destination = clean(spec.target());
        return switch (spec.type()) {
            case "bind" -> new MountPoint("bind", "", Path.of(spec.source()).normalize(), destination, !spec.readOnly(), "",
                    spec.bindOptions() == null || spec.bindOptions().propagation().isEmpty()
                            ? MountPoint.DEFAULT_PROPAGATION : spec.bindOptions().propagation(), "");
            case "volume" -> {
                Mount.VolumeOptions o = spec.volumeOptions();
                String driver = o == null || o.driverConfig() == null ? "local" : o.driverConfig().name();
                Map<String, String> labels = new LinkedHashMap<>(o == null ? Map.of() : o.labels());
                if (spec.source().isEmpty()) {
                    labels.put(Volume.ANONYMOUS_LABEL, "");
                }
                Volume v = volumes.create(spec.source().isEmpty() ? Optional.empty() : Optional.of(spec.source()), driver, labels,
                        o == null || o.driverConfig() == null ? Map.of() : o.driverConfig().options());
                yield new MountPoint("volume", v.name(), v.mountpoint(), destination, !spec.readOnly(), "", "", "");
            }
            case "tmpfs" -> new MountPoint("tmpfs", "", Path.of(""), destination, !spec.readOnly(), "", "", tmpfsData(spec));
            default -> throw new ContainerException.InvalidArgument("invalid mount config for type \"" + spec.type() + "\": mount type unknown");
        };
    }

    /**
     * The {@code Mounts} entry a mount point was planned from, if it came from one: its options
     * ({@code volume-nocopy}, {@code bind-nonrecursive}, {@code bind-create-src}) are read from there.
     */
    static Optional<Mount> specOf(HostConfig host, MountPoint m) {
        return host.mounts().stream().filter(s -> s.type().equals(m.type()) && clean(s.target()).equals(clean(m.destination())))
                .findFirst();
    }

    /** One {@code Binds} entry; a volume's source is filled in by {@link #plan}. */
    static MountPoint parse(String spec) {
        String[] parts = spec.split(":");
        if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || !parts[1].startsWith("/")) {
            throw new ContainerException.InvalidArgument("invalid volume specification: '" + spec + "'");
        }
        boolean ro = false;
        String propagation = MountPoint.DEFAULT_PROPAGATION;
        String mode = parts.length == 3 ? parts[2] : "";
        for (String opt : mode.isEmpty() ? new String[0] : mode.split(",")) {
            switch (opt) {
                case "ro" -> ro = true;
                case "rw", "z", "Z", "nocopy" -> {
                }
                default -> {
                    if (!PROPAGATIONS.contains(opt)) {
                        throw new ContainerException.InvalidArgument("invalid mode: " + opt);
                    }
                    propagation = opt;
                }
            }
        }
        if (parts[0].startsWith("/")) {
            return new MountPoint("bind", "", Path.of(parts[0]), parts[1], !ro, mode, propagation, "");
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
                    "Destination", m.destination(), "RW", m.rw(), "Mode", m.mode(), "Propagation", m.propagation(),
                    "TmpfsData", m.tmpfsData()));
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
            // Propagation and TmpfsData came later: a file without them has binds and volumes with defaults
            return in.stream().map(m -> m.containsKey("Propagation")
                    ? new MountPoint((String) m.get("Type"), (String) m.get("Name"), Path.of((String) m.get("Source")),
                            (String) m.get("Destination"), (Boolean) m.get("RW"), (String) m.get("Mode"),
                            (String) m.get("Propagation"), (String) m.get("TmpfsData"))
                    : new MountPoint((String) m.get("Type"), (String) m.get("Name"), Path.of((String) m.get("Source")),
                            (String) m.get("Destination"), (Boolean) m.get("RW"), (String) m.get("Mode"))).toList();
        } catch (IOException | RuntimeException e) {
            throw new ContainerException.HostFailure("the mounts of container " + c.shortId() + " (" + file
                    + ") cannot be read: " + e.getMessage() + "; remove the container and create it again", e);
        }
    }

    /**
     * dockerd's check before a start: a bind with shared propagation needs a source on a shared mount,
     * one with slave propagation a source on a shared or slave mount, else nothing could propagate.
     *
     * @param mountinfo the host's mount table ({@code /proc/self/mountinfo})
     * @throws ContainerException.StartFailed naming the path and the mount it is on, as dockerd does
     */
    static void checkPropagation(List<MountPoint> mounts, List<String> mountinfo) throws IOException {
        for (MountPoint m : mounts) {
            boolean shared = m.propagation().endsWith("shared");
            boolean slave = m.propagation().endsWith("slave");
            if (m.isTmpfs() || !(shared || slave)) {
                continue;
            }
            String path = m.source().toRealPath().toString();
            String on = "/";
            String optional = "";
            for (String line : mountinfo) {
                String[] f = line.split(" ");
                if (f.length < 7) {
                    continue;
                }
                String point = f[4].replace("\\040", " ");
                boolean under = point.equals("/") || path.equals(point) || path.startsWith(point + "/");
                // the longest mount point holding the path; of mounts stacked on one point, the last
                if (under && point.length() >= on.length()) {
                    on = point;
                    StringBuilder tags = new StringBuilder();
                    for (int i = 6; i < f.length && !f[i].equals("-"); i++) {
                        tags.append(f[i]).append(' ');
                    }
                    optional = tags.toString();
                }
            }
            boolean isShared = optional.contains("shared:");
            if (shared && !isShared) {
                throw new ContainerException.StartFailed("path " + m.source() + " is mounted on " + on + " but it is not a shared mount", 128);
            }
            if (slave && !isShared && !optional.contains("master:")) {
                throw new ContainerException.StartFailed("path " + m.source() + " is mounted on " + on
                        + " but it is not a shared or slave mount", 128);
            }
        }
    }

    /**
     * Docker's copy-up: an empty volume mounted over a directory of the image first receives that
     * directory's content, so an image's VOLUME starts with what the image put there.
     */
    static void fillEmptyVolumes(List<MountPoint> mounts, HostConfig host, Path rootfs) throws IOException {
        for (MountPoint m : mounts) {
            boolean noCopy = m.mode().contains("nocopy")
                    || specOf(host, m).map(s -> s.volumeOptions() != null && s.volumeOptions().noCopy()).orElse(false);
            if (!m.isVolume() || noCopy || !Files.isDirectory(m.source()) || !isEmpty(m.source())) {
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
