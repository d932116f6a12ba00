package dev.skiff.engine.containers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Who the container's process runs as: docker's {@code -u} forms ({@code uid}, {@code uid:gid},
 * {@code name}, {@code name:group}) resolved through the container's own {@code /etc/passwd} and
 * {@code /etc/group}, never the host's.
 */
record ProcessUser(int uid, int gid, List<Integer> additionalGids) {
    static final ProcessUser ROOT = new ProcessUser(0, 0, List.of());

    ProcessUser {
        additionalGids = List.copyOf(additionalGids);
    }

    static ProcessUser resolve(String spec, Path rootfs) {
        if (spec.isEmpty()) {
            spec = "0";
        }
        String userPart = spec;
        Optional<String> groupPart = Optional.empty();
        int colon = spec.indexOf(':');
        if (colon >= 0) {
            userPart = spec.substring(0, colon);
            groupPart = Optional.of(spec.substring(colon + 1));
        }
        List<String[]> passwd = entries(rootfs.resolve("etc/passwd"));
        List<String[]> groups = entries(rootfs.resolve("etc/group"));
        int uid;
        int gid = 0;
        String userName = null;
        if (isNumber(userPart)) {
            uid = Integer.parseInt(userPart);
            for (String[] p : passwd) {
                if (p.length > 3 && p[2].equals(userPart)) {
                    userName = p[0];
                    gid = parseOr(p[3], 0);
                    break;
                }
            }
        } else {
            String name = userPart;
            String[] entry = passwd.stream().filter(p -> p.length > 3 && p[0].equals(name)).findFirst()
                    .orElseThrow(() -> new ContainerException.StartFailed("unable to find user " + name
                            + ": no matching entries in passwd file", 128));
            uid = parseOr(entry[2], 0);
            gid = parseOr(entry[3], 0);
            userName = name;
        }
        if (groupPart.isPresent()) {
            String g = groupPart.get();
            if (isNumber(g)) {
                gid = Integer.parseInt(g);
            } else {
                gid = groups.stream().filter(e -> e.length > 2 && e[0].equals(g)).map(e -> parseOr(e[2], 0)).findFirst()
                        .orElseThrow(() -> new ContainerException.StartFailed("unable to find group " + g
                                + ": no matching entries in group file", 128));
            }
        }
        List<Integer> extra = new ArrayList<>();
        if (userName != null) {
            for (String[] e : groups) {
                if (e.length > 3 && List.of(e[3].split(",")).contains(userName)) {
                    int g = parseOr(e[2], -1);
                    if (g >= 0 && g != gid && !extra.contains(g)) {
                        extra.add(g);
                    }
                }
            }
        }
        return new ProcessUser(uid, gid, extra);
    }

    /** The lines of a colon-separated file in the image; a symlink (which could point at the host's) counts as absent. */
    private static List<String[]> entries(Path file) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try {
            return Files.readAllLines(file).stream().filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.split(":", -1)).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }

    private static int parseOr(String s, int fallback) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
