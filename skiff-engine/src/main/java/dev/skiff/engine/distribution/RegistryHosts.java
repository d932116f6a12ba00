package dev.skiff.engine.distribution;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which registries are spoken to over plain HTTP: loopback hosts (docker's default insecure range
 * 127.0.0.0/8, plus localhost and ::1) and those given with {@code --insecure-registry HOST[:PORT]};
 * every other registry over HTTPS.
 */
public record RegistryHosts(Set<String> insecure) {
    public static final RegistryHosts DEFAULT = new RegistryHosts(Set.of());

    public RegistryHosts {
        insecure = insecure.stream().map(h -> h.strip().toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        for (String h : insecure) {
            if (h.isEmpty() || h.contains("/")) {
                throw new IllegalArgumentException("an insecure registry is HOST or HOST:PORT, not \"" + h + "\"");
            }
        }
    }

    /** {@code http://host:port} or {@code https://host:port}. */
    public String baseUrl(String hostAndPort) {
        return (isPlainHttp(hostAndPort) ? "http://" : "https://") + hostAndPort;
    }

    boolean isPlainHttp(String hostAndPort) {
        String h = hostAndPort.toLowerCase(Locale.ROOT);
        return RegistryClient.isLoopback(h) || insecure.contains(h) || insecure.contains(hostOnly(h));
    }

    private static String hostOnly(String hostAndPort) {
        if (hostAndPort.startsWith("[")) {
            int end = hostAndPort.indexOf(']');
            return end < 0 ? hostAndPort : hostAndPort.substring(0, end + 1);
        }
        int colon = hostAndPort.lastIndexOf(':');
        return colon < 0 ? hostAndPort : hostAndPort.substring(0, colon);
    }
}
