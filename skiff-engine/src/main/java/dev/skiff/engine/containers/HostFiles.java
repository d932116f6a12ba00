package dev.skiff.engine.containers;

import dev.skiff.engine.network.Attachment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The container's {@code /etc/hosts}, {@code /etc/resolv.conf} and {@code /etc/hostname}, written into its directory and bind-mounted. */
final class HostFiles {
    private static final Path HOST_RESOLV_CONF = Path.of("/etc/resolv.conf");
    /** What dockerd falls back to when the host only has loopback resolvers. */
    private static final List<String> FALLBACK_NAMESERVERS = List.of("8.8.8.8", "8.8.4.4");

    private HostFiles() {
    }

    /**
     * Writes the three files in place, never by rename: the runtime bind-mounts them by inode, so the
     * final versions, written once the network attach is done, must land in the files the container
     * already has. Not synced: they are made again at every start, so a crash cannot leave a stale one
     * that matters.
     */
    static void write(Container c, Attachment net, boolean hostNetwork) throws IOException {
        Files.writeString(c.hostnamePath(), c.config().hostname() + "\n", StandardCharsets.UTF_8);
        Files.writeString(c.hostsPath(), hosts(c, net, hostNetwork), StandardCharsets.UTF_8);
        Files.writeString(c.resolvConfPath(), resolvConf(c.hostConfig(), net, hostNetwork), StandardCharsets.UTF_8);
    }

    /**
     * Placeholders for the runtime to bind-mount while the network attach still runs: the hostname is
     * final, hosts and resolv.conf get their real content from {@link #write} before the process starts.
     */
    static void writeProvisional(Container c) throws IOException {
        Files.writeString(c.hostnamePath(), c.config().hostname() + "\n", StandardCharsets.UTF_8);
        Files.writeString(c.hostsPath(), "", StandardCharsets.UTF_8);
        Files.writeString(c.resolvConfPath(), "", StandardCharsets.UTF_8);
    }

    static String hosts(Container c, Attachment net, boolean hostNetwork) throws IOException {
        StringBuilder b = new StringBuilder();
        if (hostNetwork && Files.isReadable(Path.of("/etc/hosts"))) {
            b.append(Files.readString(Path.of("/etc/hosts")));
            if (!b.isEmpty() && b.charAt(b.length() - 1) != '\n') {
                b.append('\n');
            }
        } else {
            b.append("127.0.0.1\tlocalhost\n");
            b.append("::1\tlocalhost ip6-localhost ip6-loopback\n");
            b.append("fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
        }
        for (String extra : c.hostConfig().extraHosts()) {
            int colon = extra.indexOf(':');
            if (colon > 0) {
                b.append(extra.substring(colon + 1)).append('\t').append(extra, 0, colon).append('\n');
            }
        }
        if (!hostNetwork && !net.ipAddress().isEmpty()) {
            b.append(net.ipAddress()).append('\t').append(c.config().hostname()).append('\n');
        }
        return b.toString();
    }

    static String resolvConf(HostConfig host, Attachment net, boolean hostNetwork) throws IOException {
        List<String> servers = new ArrayList<>(host.dns());
        List<String> search = new ArrayList<>(host.dnsSearch());
        List<String> options = new ArrayList<>();
        List<String> hostServers = new ArrayList<>();
        if (Files.isReadable(HOST_RESOLV_CONF)) {
            for (String line : Files.readAllLines(HOST_RESOLV_CONF)) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 2) {
                    continue;
                }
                switch (f[0]) {
                    case "nameserver" -> hostServers.add(f[1]);
                    case "search" -> {
                        if (host.dnsSearch().isEmpty() && net.searchDomains().isEmpty()) {
                            search.addAll(List.of(f).subList(1, f.length));
                        }
                    }
                    case "options" -> options.addAll(List.of(f).subList(1, f.length));
                    default -> {
                    }
                }
            }
        }
        if (servers.isEmpty()) {
            if (!net.nameservers().isEmpty()) {
                servers.addAll(net.nameservers());
            } else if (hostNetwork) {
                servers.addAll(hostServers);
            } else {
                hostServers.stream().filter(s -> !s.startsWith("127.") && !s.equals("::1")).forEach(servers::add);
                if (servers.isEmpty()) {
                    servers.addAll(FALLBACK_NAMESERVERS);
                }
            }
        }
        if (host.dnsSearch().isEmpty()) {
            search.addAll(net.searchDomains());
        }
        StringBuilder b = new StringBuilder();
        if (!search.isEmpty()) {
            b.append("search ").append(String.join(" ", search)).append('\n');
        }
        servers.forEach(s -> b.append("nameserver ").append(s).append('\n'));
        if (!options.isEmpty()) {
            b.append("options ").append(String.join(" ", options)).append('\n');
        }
        return b.toString();
    }
}
