package dev.skiff.engine.containers;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a container's OCI runtime and conmon keep their state: what {@code exec} (a second conmon
 * with {@code --exec}) and any other direct use of the runtime need.
 *
 * @param runtime      {@code runc} or {@code crun}
 * @param binary       the runtime's executable
 * @param root         its state directory ({@code --root})
 * @param conmon       conmon's executable
 * @param exitDir      where conmon writes exit codes, one file per container (or exec session) ID
 * @param socketDir    conmon's {@code --socket-dir-path}
 */
public record RuntimeLocation(String runtime, Path binary, Path root, Path conmon, Path exitDir, Path socketDir) {
    /** The runtime's command line up to its subcommand: {@code runc --root <root>}. */
    public List<String> command() {
        return List.of(binary.toString(), "--root", root.toString());
    }
}
