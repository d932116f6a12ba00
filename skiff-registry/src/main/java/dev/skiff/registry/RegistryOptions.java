package dev.skiff.registry;

import dev.skiff.registry.http.RegistryServer;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Everything {@code skiff registry serve} can be told.
 *
 * @param htpasswd     accounts; empty means no authentication at all (everyone may do everything)
 * @param admins       users who may push and delete in every namespace
 * @param anonymousPull whether pulls need no login
 * @param tokenRealm   the token endpoint's absolute URL for challenges; empty: derived from each request's Host
 * @param gcInterval   run garbage collection in the background this often; empty: never
 * @param requestLog   where the one-line-per-request log goes; empty: nowhere
 */
public record RegistryOptions(InetSocketAddress address, Path root, Optional<Path> htpasswd, Set<String> admins,
                              boolean anonymousPull, Optional<RegistryServer.Tls> tls, Optional<String> tokenRealm,
                              Optional<Duration> gcInterval, Optional<PrintStream> requestLog) {

    public static final String SERVICE = "skiff-registry";

    public RegistryOptions {
        admins = Set.copyOf(admins);
    }
}
