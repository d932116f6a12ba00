package dev.skiff.engine.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The host's /etc/resolv.conf: nameservers and search domains, read at each attach (it may change). */
record HostResolvConf(List<String> nameservers, List<String> searchDomains) {
    /** Docker's fallback when the host has only loopback nameservers, which a container cannot reach. */
    static final List<String> FALLBACK = List.of("8.8.8.8", "8.8.4.4");

    static HostResolvConf read(Path file) {
        List<String> servers = new ArrayList<>();
        List<String> search = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String[] w = line.strip().split("\\s+");
                if (w.length >= 2 && w[0].equals("nameserver")) {
                    servers.add(w[1]);
                } else if (w.length >= 2 && (w[0].equals("search") || w[0].equals("domain"))) {
                    search.clear();
                    search.addAll(List.of(w).subList(1, w.length));
                }
            }
        } catch (IOException e) {
            // No resolv.conf: the container gets docker's fallback.
        }
        return new HostResolvConf(List.copyOf(servers), List.copyOf(search));
    }

    /** What a container in its own namespace can use: loopback servers dropped, docker's fallback if none. */
    List<String> forContainer() {
        List<String> usable = nameservers.stream().filter(s -> !s.startsWith("127.") && !s.equals("::1")).toList();
        return usable.isEmpty() ? FALLBACK : usable;
    }
}
