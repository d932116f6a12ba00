package dev.skiff.cli;

import dev.skiff.daemon.Daemon;
import dev.skiff.daemon.DaemonException;
import dev.skiff.daemon.DaemonOptions;
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
        for (String r : insecureRegistries) {
            if (r.isBlank() || r.contains("/") || r.contains("://")) {
                throw new Cli.UserError("invalid --insecure-registry " + r + ": give HOST or HOST:PORT, without a scheme or path");
            }
        }
        CountDownLatch stop = new CountDownLatch(1);
        Cli.onTerminationSignal(stop::countDown);
        Daemon daemon;
        try {
            daemon = Daemon.start(new DaemonOptions(dataRoot.toAbsolutePath(), execRoot.toAbsolutePath(), listeners, insecureRegistries),
                    logRequests ? Optional.of(System.out) : Optional.empty());
        } catch (DaemonException e) {
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
        daemon.close();
        System.out.println("skiff daemon stopped");
        System.out.flush();
        return 0;
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
