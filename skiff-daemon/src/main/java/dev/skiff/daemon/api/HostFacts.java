package dev.skiff.daemon.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Facts about the host that {@code /version} and {@code /info} report, read once. */
record HostFacts(String kernelVersion, String operatingSystem, String osVersion, String architecture, int cpus,
                 long memoryBytes, String hostname) {

    static HostFacts read() {
        return new HostFacts(System.getProperty("os.version"), osRelease("PRETTY_NAME").orElse("Linux"),
                osRelease("VERSION_ID").orElse(""), goArch(System.getProperty("os.arch")),
                Runtime.getRuntime().availableProcessors(), memTotal(), readHostname());
    }

    /** Docker names architectures as Go does. */
    static String goArch(String javaArch) {
        return switch (javaArch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> javaArch;
        };
    }

    /** The architecture docker's {@code /info} shows ({@code uname -m} style). */
    String unameMachine() {
        return switch (architecture) {
            case "amd64" -> "x86_64";
            case "arm64" -> "aarch64";
            default -> architecture;
        };
    }

    private static Optional<String> osRelease(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith(key + "=")) {
                    return Optional.of(line.substring(key.length() + 1).replace("\"", ""));
                }
            }
        } catch (IOException e) {
            // not every system has it
        }
        return Optional.empty();
    }

    private static long memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return Runtime.getRuntime().maxMemory();
    }

    private static String readHostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
