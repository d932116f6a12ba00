package dev.skiff.engine.containers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves a path as the container would see it, on the host, without ever leaving the container's
 * root: symbolic links met on the way are followed as if the root were {@code /} (an absolute target
 * starts again at the root, {@code ..} stops at it), as docker's {@code FollowSymlinkInScope} and
 * containerd's {@code fs.RootPath} do. So {@code evil -> /etc} resolves to {@code <root>/etc}, and
 * {@code evil -> ../../../../etc} too, never to the host's {@code /etc}.
 *
 * <p>The answer is only as good as the tree stays unchanged: a running container could swap a
 * directory for a link after the check. Callers that write pause nothing today; see the class that
 * uses this.
 */
public final class RootPath {
    private static final int MAX_LINKS = 255;

    private RootPath() {
    }

    /** Resolves every component, the last one included. */
    static Path resolve(Path root, String path) throws IOException {
        return resolve(root, path, true);
    }

    /**
     * @param followLast whether a link as the last component is followed (not for {@code cp} of the
     *                   link itself, as docker copies a link as a link)
     */
    public static Path resolve(Path root, String path, boolean followLast) throws IOException {
        Deque<String> todo = new ArrayDeque<>(List.of(path.split("/")));
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pollFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!done.isEmpty()) {
                    done.removeLast();
                }
                continue;
            }
            Path candidate = join(root, done).resolve(part);
            boolean last = todo.stream().allMatch(p -> p.isEmpty() || p.equals("."));
            if (Files.isSymbolicLink(candidate) && (followLast || !last)) {
                if (++links > MAX_LINKS) {
                    throw new IOException("too many levels of symbolic links in " + path);
                }
                String target = Files.readSymbolicLink(candidate).toString();
                if (target.startsWith("/")) {
                    done.clear();
                }
                List<String> parts = List.of(target.split("/"));
                for (int i = parts.size() - 1; i >= 0; i--) {
                    todo.addFirst(parts.get(i));
                }
                continue;
            }
            done.add(part);
        }
        return join(root, done);
    }

    private static Path join(Path root, List<String> parts) {
        Path p = root;
        for (String s : parts) {
            p = p.resolve(s);
        }
        return p;
    }
}
