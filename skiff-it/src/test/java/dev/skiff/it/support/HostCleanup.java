package dev.skiff.it.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes what a container daemon under test may have left on the host if a test failed half-way:
 * mounts under its temp dir, its bridge, and the iptables rules that name its subnet or bridge.
 */
public final class HostCleanup {
    private HostCleanup() {
    }

    /** Unmounts everything under {@code root}, deepest first, then removes {@code bridge} and its rules. */
    public static void removeLeftovers(Path root, String bridge, String subnetPrefix) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts")).reversed()) {
                String[] fields = line.split(" ");
                if (fields.length > 1 && fields[1].startsWith(root.toString())) {
                    ExternalCommand.of("umount", "-l", fields[1]).run();
                }
            }
        } catch (IOException e) {
            // nothing more to do
        }
        ExternalCommand.of("ip", "link", "del", bridge).run();
        for (String table : List.of("filter", "nat")) {
            CommandResult rules = ExternalCommand.of("iptables", "-t", table, "-S").run();
            for (String rule : rules.stdout().lines().toList()) {
                if ((rule.contains(subnetPrefix + ".") || rule.contains(bridge)) && rule.startsWith("-A ")) {
                    List<String> delete = new ArrayList<>(List.of("iptables", "-t", table, "-D"));
                    delete.addAll(words(rule.substring(3)));
                    ExternalCommand.of(delete).run();
                }
            }
        }
    }

    /** iptables -S's words: double quotes group, a backslash escapes the next character. */
    public static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                word.append(line.charAt(++i));
                inWord = true;
            } else if (c == '"') {
                quoted = !quoted;
                inWord = true;
            } else if (c == ' ' && !quoted) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
