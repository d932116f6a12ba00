package dev.skiff.it.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The real programs the end-to-end tests drive. A missing one fails the test (it never skips
 * silently), naming the Debian package that provides it.
 */
public enum RequiredTool {
    SKOPEO("skopeo", "skopeo"),
    DOCKER_REGISTRY("docker-registry", "docker-registry"),
    HTPASSWD("htpasswd", "apache2-utils"),
    BUSYBOX("busybox", "busybox-static"),
    DOCKERD("dockerd", "docker.io"),
    DOCKER("docker", "docker.io"),
    NODE("node", "nodejs");

    private final String program;
    private final String debianPackage;

    RequiredTool(String program, String debianPackage) {
        this.program = program;
        this.debianPackage = debianPackage;
    }

    /** The program's absolute path; fails the test if it is not installed. */
    public Path path() {
        String pathVariable = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : List.of((pathVariable + ":/usr/sbin:/usr/bin:/bin").split(":"))) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("'" + program + "' is not installed, and this end-to-end test needs the real one:"
                + " install the Debian package '" + debianPackage + "' (apt-get install " + debianPackage
                + "), or run 'bash .ci/run' which installs everything the tests need.");
    }

    public String command() {
        return path().toString();
    }
}
