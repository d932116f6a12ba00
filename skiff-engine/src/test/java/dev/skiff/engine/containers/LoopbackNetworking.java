package dev.skiff.engine.containers;

import dev.skiff.engine.network.AttachRequest;
import dev.skiff.engine.network.Attachment;
import dev.skiff.engine.network.ContainerNetworking;
import dev.skiff.engine.network.NetworkException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The engine tests' networking, so they test the runtime without CNI (which its own tests and the
 * end-to-end ones cover): {@code host} shares the host's network; every other mode gets a real
 * namespace with loopback only ({@code ip netns}), as {@code --network none} would, and published
 * ports are not published.
 */
public final class LoopbackNetworking implements ContainerNetworking {
    private static final Path NETNS_DIR = Path.of("/run/netns");

    @Override
    public Attachment attach(AttachRequest request) {
        if (request.networkMode().equals("host")) {
            return new Attachment(Optional.empty(), "host", "", "", "", 0, "", "", List.of(), List.of(), List.of());
        }
        String name = nsName(request.containerId());
        ip("netns", "add", name);
        try {
            ip("-n", name, "link", "set", "lo", "up");
        } catch (NetworkException e) {
            detach(request.containerId());
            throw e;
        }
        return new Attachment(Optional.of(NETNS_DIR.resolve(name)), "none", "", "", "", 0, "", "", List.of(), List.of(), List.of());
    }

    @Override
    public void detach(String containerId) {
        String name = nsName(containerId);
        if (Files.exists(NETNS_DIR.resolve(name))) {
            ip("netns", "delete", name);
        }
    }

    static String nsName(String containerId) {
        return "skiff-" + containerId.substring(0, 12);
    }

    private static void ip(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new NetworkException("ip " + String.join(" ", args) + " failed: " + out.strip());
            }
        } catch (IOException e) {
            throw new NetworkException("cannot run ip: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetworkException("interrupted", e);
        }
    }
}
