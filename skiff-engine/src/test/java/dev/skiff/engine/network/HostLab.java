package dev.skiff.engine.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * What a networking test builds on this host, and tears down whatever happens: unique names (bridges
 * and links start with "sk"), subnets in 10.200-250 that no route uses yet, a second "host" namespace
 * on its own veth pair, and processes inside namespaces, all undone in reverse order by {@link #close}.
 */
final class HostLab implements AutoCloseable {
    record Run(int exitCode, String out) {
    }

    /** A second host: a namespace reached from this host over a veth pair of its own. */
    record OtherHost(String namespace, Path netns, String hostAddress, String otherAddress) {
    }

    private final Deque<Runnable> undo = new ArrayDeque<>();
    final String suffix = HexFormat.of().formatHex(new byte[]{
            (byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt(),
            (byte) ThreadLocalRandom.current().nextInt()});

    static Run run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            return new Run(p.exitValue(), out);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String ok(String... command) {
        Run r = run(command);
        if (r.exitCode() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed (" + r.exitCode() + "): " + r.out());
        }
        return r.out();
    }

    /** A name for a bridge or link, at most 15 characters. */
    String name(String prefix) {
        return prefix + suffix;
    }

    /** A free /24 in 10.200.0.0-10.250.255.0 that overlaps no route of this host. */
    String freeSubnet() {
        List<Ipv4Cidr> routes = HostRoutes.destinations();
        for (int attempt = 0; attempt < 200; attempt++) {
            Ipv4Cidr c = Ipv4Cidr.parse("10." + (200 + ThreadLocalRandom.current().nextInt(51)) + "."
                    + ThreadLocalRandom.current().nextInt(256) + ".0/24");
            if (routes.stream().noneMatch(c::overlaps)) {
                return c.toString();
            }
        }
        throw new IllegalStateException("no free test subnet");
    }

    /** Deletes a link (a bridge CniNetworking made) when the test ends. */
    void removeLinkAtEnd(String link) {
        undo.push(() -> run("ip", "link", "delete", link));
    }

    void atEnd(Runnable r) {
        undo.push(r);
    }

    /** A second host on a /30 of its own: this host is .1, the other .2; the other has no default route. */
    OtherHost otherHost() {
        String ns = name("skh");
        String hostSide = name("skv");
        String otherSide = name("skw");
        Ipv4Cidr subnet = Ipv4Cidr.parse(freeSubnet());
        String hostAddress = Ipv4Cidr.format(subnet.address() + 1);
        String otherAddress = Ipv4Cidr.format(subnet.address() + 2);
        ok("ip", "netns", "add", ns);
        undo.push(() -> run("ip", "netns", "delete", ns));
        ok("ip", "link", "add", hostSide, "type", "veth", "peer", "name", otherSide);
        undo.push(() -> run("ip", "link", "delete", hostSide));
        ok("ip", "link", "set", otherSide, "netns", ns);
        ok("ip", "addr", "add", hostAddress + "/30", "dev", hostSide);
        ok("ip", "link", "set", hostSide, "up");
        ok("ip", "netns", "exec", ns, "ip", "addr", "add", otherAddress + "/30", "dev", otherSide);
        ok("ip", "netns", "exec", ns, "ip", "link", "set", otherSide, "up");
        ok("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        return new OtherHost(ns, Path.of("/run/netns", ns), hostAddress, otherAddress);
    }

    /** Starts busybox httpd in a namespace, serving one file that says {@code text}. */
    void httpd(Path netns, int port, Path dir, String text) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("index.html"), text);
        Process p = new ProcessBuilder("nsenter", "--net=" + netns, "busybox", "httpd", "-f", "-p", Integer.toString(port),
                "-h", dir.toString()).redirectErrorStream(true).start();
        undo.push(() -> {
            p.destroy();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waitForListener(netns, port);
    }

    private static void waitForListener(Path netns, int port) {
        for (int i = 0; i < 50; i++) {
            if (run("nsenter", "--net=" + netns, "ss", "-Hltn", "sport = :" + port).out().contains("LISTEN")) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("nothing listens on port " + port + " in " + netns);
    }

    /** HTTP GET with curl from inside a namespace (null for this host's own); returns the body or "". */
    static Run curl(Path netns, String url) {
        return netns == null
                ? run("curl", "-s", "--noproxy", "*", "-m", "5", url)
                : run("nsenter", "--net=" + netns, "curl", "-s", "--noproxy", "*", "-m", "5", url);
    }

    @Override
    public void close() {
        while (!undo.isEmpty()) {
            try {
                undo.pop().run();
            } catch (RuntimeException e) {
                // Keep undoing the rest.
            }
        }
    }
}
