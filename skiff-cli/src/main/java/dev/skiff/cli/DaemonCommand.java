package dev.skiff.cli;

import dev.skiff.daemon.Daemon;
import dev.skiff.daemon.DaemonException;
import dev.skiff.daemon.DaemonOptions;
import dev.skiff.engine.network.CniNetworking;
import dev.skiff.engine.network.DefaultBridge;
import dev.skiff.http.HttpServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.BindException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code skiff daemon}: the engine, serving the Docker Engine API (flags as dockerd's). */
@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = "Run the engine in the foreground, serving the Docker Engine API (stop with Ctrl-C or SIGTERM).")
final class DaemonCommand implements Callable<Integer> {
    @Option(names = "--data-root", description = "Persistent state. Default: ${DEFAULT-VALUE}", defaultValue = "/var/lib/skiff")
    Path dataRoot;

    @Option(names = "--exec-root", description = "Runtime state. Default: ${DEFAULT-VALUE}", defaultValue = "/run/skiff")
    Path execRoot;

    @Option(names = {"-H", "--host"}, description = "Where to listen: unix:///PATH or tcp://HOST:PORT (repeatable). Default: unix:///run/skiff/skiff.sock")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--tlsverify", description = "Require clients on TCP to present a certificate signed by --tlscacert.")
    boolean tlsVerify;

    @Option(names = "--tlscacert", description = "CA certificate (PEM) that signs client certificates.")
    Path tlsCaCert;

    @Option(names = "--tlscert", description = "Server certificate (PEM) for TCP listeners.")
    Path tlsCert;

    @Option(names = "--tlskey", description = "Server private key (PEM) for TCP listeners.")
    Path tlsKey;

    @Option(names = "--insecure-registry", paramLabel = "HOST[:PORT]",
            description = "A registry to reach over plain HTTP (repeatable); loopback registries always are.")
    List<String> insecureRegistries = new ArrayList<>();

    @Option(names = "--debug-requests", description = "Log each API request.")
    boolean logRequests;

    @Option(names = {"-b", "--bridge"}, paramLabel = "NAME",
            description = "The default network's bridge interface (made if missing). Default: skiff0")
    String bridge = DefaultBridge.STANDARD.interfaceName();

    @Option(names = "--bip", paramLabel = "CIDR",
            description = "The default bridge's address and subnet, like dockerd's --bip (e.g. 10.86.0.1/16). Default: 10.86.0.0/16")
    String bip;

    @Override
    public Integer call() throws Exception {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new Cli.UserError("--tlscert and --tlskey go together: give both to serve TLS, or neither");
        }
        if (tlsVerify && (tlsCaCert == null || tlsCert == null)) {
            throw new Cli.UserError("--tlsverify needs --tlscacert, --tlscert and --tlskey");
        }
        Optional<HttpServer.Tls> tls = tlsCert == null ? Optional.empty()
                : Optional.of(new HttpServer.Tls(tlsCert, tlsKey, tlsVerify ? Optional.of(tlsCaCert) : Optional.empty()));
        List<HttpServer.Listener> listeners = new ArrayList<>();
        for (String host : hosts.isEmpty() ? List.of("unix://" + DaemonOptions.DEFAULT_SOCKET) : hosts) {
            listeners.add(listener(host, tls));
        }
        for (String host : hosts) {
            if (host.startsWith("tcp://") && !tlsVerify) {
                // as dockerd warns: the Engine API runs containers as root, so whoever reaches it is root here
                System.err.println("WARNING: the API on " + host + " is open to anyone who can reach it, "
                        + (tls.isPresent() ? "with no client certificate checked" : "unencrypted")
                        + ", and gives root on this machine: add --tlsverify --tlscacert --tlscert --tlskey, or listen on a unix socket");
            }
        }
        for (String r : insecureRegistries) {
            if (r.isBlank() || r.contains("/") || r.contains("://")) {
                throw new Cli.UserError("invalid --insecure-registry " + r + ": give HOST or HOST:PORT, without a scheme or path");
            }
        }
        DefaultBridge defaultBridge = defaultBridge();
        CountDownLatch stop = new CountDownLatch(1);
        Cli.onTerminationSignal(stop::countDown);
        Daemon daemon;
        java.util.concurrent.atomic.AtomicReference<CniNetworking> networking = new java.util.concurrent.atomic.AtomicReference<>();
        try {
            daemon = Daemon.start(new DaemonOptions(dataRoot.toAbsolutePath(), execRoot.toAbsolutePath(), listeners, insecureRegistries),
                    logRequests ? Optional.of(System.out) : Optional.empty(),
                    options -> {
                        networking.set(CniNetworking.open(options.dataRoot(), options.execRoot(), defaultBridge));
                        return networking.get();
                    });
        } catch (DaemonException | dev.skiff.engine.EngineException e) {
            closeQuietly(networking.get());
            throw new Cli.UserError(e.getMessage());
        } catch (java.io.IOException e) {
            if (e instanceof BindException || String.valueOf(e.getMessage()).contains("Address already in use")) {
                throw new Cli.UserError("cannot listen on " + String.join(", ", hosts) + ": the address is already in use");
            }
            throw e;
        }
        System.out.println("skiff daemon listening on " + String.join(", ", hosts.isEmpty()
                ? List.of("unix://" + DaemonOptions.DEFAULT_SOCKET) : hosts.stream().map(h -> resolvedHost(h, daemon)).toList())
                + " (data root " + dataRoot.toAbsolutePath() + ")");
        System.out.flush();
        stop.await();
        daemon.close(); // closes the networking too
        System.out.println("skiff daemon stopped");
        System.out.flush();
        return 0;
    }

    /** --bip as dockerd reads it: an address with its prefix; the subnet is what the prefix covers. */
    private DefaultBridge defaultBridge() {
        if (bip == null) {
            return new DefaultBridge(bridge, DefaultBridge.STANDARD.subnetCidr());
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})").matcher(bip);
        if (!m.matches()) {
            throw new Cli.UserError("invalid --bip " + bip + ": give an IPv4 address with its prefix length, for example 10.86.0.1/16");
        }
        long address = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255) {
                throw new Cli.UserError("invalid --bip " + bip + ": " + octet + " is not an address byte (0-255)");
            }
            address = address << 8 | octet;
        }
        int prefix = Integer.parseInt(m.group(5));
        if (prefix < 8 || prefix > 30) {
            throw new Cli.UserError("invalid --bip " + bip + ": the prefix length must be from 8 to 30");
        }
        long network = address & (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        String subnet = (network >>> 24) + "." + (network >>> 16 & 255) + "." + (network >>> 8 & 255) + "." + (network & 255) + "/" + prefix;
        try {
            return new DefaultBridge(bridge, subnet);
        } catch (RuntimeException e) {
            throw new Cli.UserError("invalid --bridge or --bip: " + e.getMessage());
        }
    }

    private static void closeQuietly(CniNetworking networking) {
        if (networking != null) {
            networking.close();
        }
    }

    private static String resolvedHost(String host, Daemon daemon) {
        if (host.startsWith("tcp://") && host.endsWith(":0")) {
            return daemon.tcpAddress().map(a -> "tcp://" + a.getAddress().getHostAddress() + ":" + a.getPort()).orElse(host);
        }
        return host;
    }

    static HttpServer.Listener listener(String host, Optional<HttpServer.Tls> tls) {
        if (host.startsWith("unix://")) {
            String path = host.substring("unix://".length());
            if (path.isEmpty() || !path.startsWith("/")) {
                throw new Cli.UserError("invalid -H " + host + ": use unix:///absolute/path.sock");
            }
            return new HttpServer.Listener.Unix(Path.of(path));
        }
        if (host.startsWith("tcp://")) {
            return new HttpServer.Listener.Tcp(Cli.parseAddress(host.substring("tcp://".length())), tls);
        }
        throw new Cli.UserError("invalid -H " + host + ": use unix:///PATH or tcp://HOST:PORT");
    }
}
