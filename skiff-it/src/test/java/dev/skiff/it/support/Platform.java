package dev.skiff.it.support;

/** An image's os/architecture, as in a config and an index entry. */
public record Platform(String os, String architecture) {
    public static final Platform LINUX_AMD64 = new Platform("linux", "amd64");
    public static final Platform LINUX_ARM64 = new Platform("linux", "arm64");
}
