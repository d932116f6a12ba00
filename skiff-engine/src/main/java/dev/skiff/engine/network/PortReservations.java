package dev.skiff.engine.network;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Host ports published by containers. Each published port is also bound by the daemon (a listening
 * socket nobody accepts on, as dockerd 28 does to reserve its ports): binding is how a port already
 * used by a host process is detected, and holding it keeps a host process from taking it later. The
 * socket never sees the container's traffic, since the DNAT rules rewrite it before local delivery.
 *
 * <p>A TCP port published on all addresses is also published on all IPv6 addresses ({@code [::]:PORT},
 * as {@code docker ps} shows it), when the host has IPv6: the container has only an IPv4 address, so,
 * as docker-proxy does, the daemon accepts those connections itself and relays each to the container's
 * address ({@link #forward}). One dual-stack socket holds the port for both families; IPv4 traffic
 * never reaches it (DNAT comes first), and would be relayed the same way if it did.
 */
final class PortReservations {
    private record Held(PortBinding binding, Closeable socket) {
    }

    /** The address a relayed port is published on: IPv6's any. */
    static final String IPV6_ANY = "::";

    /** Whether this host can listen on IPv6 at all (a kernel with ipv6 disabled cannot). */
    private static final boolean IPV6 = ipv6();

    /** The relays' connections, by container: closed with its ports. */
    private final Map<String, List<Closeable>> relays = new HashMap<>();

    private static final int PICK_ATTEMPTS = 32;

    private final Map<String, List<Held>> byContainer = new HashMap<>();

    /**
     * Reserves the container's ports; returns them with the host ports picked for hostPort 0. Fails
     * with docker's "port is already allocated" and holds nothing when any of them is taken.
     */
    synchronized List<PortBinding> reserve(String containerId, List<PortBinding> requested) {
        List<Held> held = new ArrayList<>();
        try {
            for (PortBinding want : requested) {
                held.add(want.hostPort() == 0 ? pick(want, held) : take(want, held));
            }
        } catch (RuntimeException e) {
            held.forEach(h -> closeQuietly(h.socket()));
            throw e;
        }
        held.addAll(ipv6Twins(held));
        byContainer.put(containerId, held);
        return held.stream().map(Held::binding).toList();
    }

    /**
     * For each TCP port on all addresses, its twin on all IPv6 addresses: the same socket, which {@link
     * #bind} made dual-stack, listed again as docker lists it ({@code [::]:PORT}).
     */
    private static List<Held> ipv6Twins(List<Held> held) {
        List<Held> twins = new ArrayList<>();
        for (Held h : held) {
            if (dualStack(h.binding())) {
                twins.add(new Held(new PortBinding("tcp", h.binding().containerPort(), IPV6_ANY, h.binding().hostPort()), h.socket()));
            }
        }
        return twins;
    }

    /** A TCP port published with no address (all of them) on a host with IPv6: held (and relayed) by one socket for both families. */
    private static boolean dualStack(PortBinding b) {
        return IPV6 && b.protocol().equals("tcp") && b.hostIp().isEmpty();
    }

    /**
     * Starts relaying the container's IPv6 ports to {@code containerIp}: each connection accepted on
     * {@code [::]:PORT} is joined to {@code containerIp:CONTAINER_PORT}, a virtual thread per direction.
     */
    synchronized void forward(String containerId, String containerIp) {
        for (Held h : byContainer.getOrDefault(containerId, List.of())) {
            if (h.binding().hostIp().equals(IPV6_ANY) && h.socket() instanceof ServerSocketChannel server) {
                InetSocketAddress target = new InetSocketAddress(containerIp, h.binding().containerPort());
                Thread.ofVirtual().name("skiff-relay-" + h.binding().hostPort()).start(() -> accept(containerId, server, target));
            }
        }
    }

    private void accept(String containerId, ServerSocketChannel server, InetSocketAddress target) {
        while (server.isOpen()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed: the container's ports were released
            }
            Thread.ofVirtual().start(() -> relay(containerId, client, target));
        }
    }

    private void relay(String containerId, SocketChannel client, InetSocketAddress target) {
        SocketChannel upstream;
        try {
            upstream = SocketChannel.open(target);
        } catch (IOException e) {
            closeQuietly(client); // nothing listens in the container: the client sees the connection end
            return;
        }
        synchronized (this) {
            if (!byContainer.containsKey(containerId)) {
                closeQuietly(client);
                closeQuietly(upstream);
                return;
            }
            relays.computeIfAbsent(containerId, k -> new ArrayList<>()).addAll(List.of(client, upstream));
        }
        Thread back = Thread.ofVirtual().start(() -> pump(upstream, client));
        pump(client, upstream);
        try {
            back.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(client);
        closeQuietly(upstream);
        synchronized (this) {
            List<Closeable> open = relays.get(containerId);
            if (open != null) {
                open.remove(client);
                open.remove(upstream);
            }
        }
    }

    /** Copies until {@code from} ends, then ends the writing half of {@code to}, so a half-close reaches the other side. */
    private static void pump(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /**
     * Takes the reservations of a container attached before a daemon restart. A port a host process
     * took meanwhile is still counted as the container's (its DNAT rule still wins), just not held.
     */
    synchronized void restore(String containerId, List<PortBinding> ports) {
        List<Held> held = new ArrayList<>();
        for (PortBinding p : ports) {
            if (p.hostIp().equals(IPV6_ANY)) {
                continue; // the twin of a port on all addresses: listed again below, with its socket
            }
            Closeable socket;
            try {
                socket = bind(p, p.hostPort());
            } catch (IOException e) {
                socket = () -> { };
            }
            held.add(new Held(p, socket));
        }
        held.addAll(ipv6Twins(held));
        byContainer.put(containerId, held);
    }

    synchronized void release(String containerId) {
        List<Held> held = byContainer.remove(containerId);
        if (held != null) {
            held.forEach(h -> closeQuietly(h.socket()));
        }
        List<Closeable> open = relays.remove(containerId);
        if (open != null) {
            open.forEach(PortReservations::closeQuietly);
        }
    }

    synchronized void releaseAll() {
        List.copyOf(byContainer.keySet()).forEach(this::release);
    }

    private Held take(PortBinding want, List<Held> alsoHeld) {
        if (taken(want, alsoHeld)) {
            throw allocated(want);
        }
        try {
            return new Held(want, bind(want, want.hostPort()));
        } catch (IOException e) {
            throw bindFailure(want, e);
        }
    }

    /** hostPort 0: the kernel picks a free ephemeral port, as for docker's {@code -p 80}. */
    private Held pick(PortBinding want, List<Held> alsoHeld) {
        for (int i = 0; i < PICK_ATTEMPTS; i++) {
            NetworkChannel socket;
            try {
                socket = bind(want, 0);
            } catch (IOException e) {
                throw bindFailure(want, e);
            }
            try {
                int port = ((InetSocketAddress) socket.getLocalAddress()).getPort();
                PortBinding got = new PortBinding(want.protocol(), want.containerPort(), want.hostIp(), port);
                if (!taken(got, alsoHeld)) {
                    return new Held(got, socket);
                }
            } catch (IOException e) {
                // Try another.
            }
            closeQuietly(socket);
        }
        throw new NetworkException("cannot find a free host port for " + want.containerPort() + "/" + want.protocol());
    }

    private boolean taken(PortBinding want, List<Held> alsoHeld) {
        List<Held> all = new ArrayList<>(alsoHeld);
        byContainer.values().forEach(all::addAll);
        return all.stream().map(Held::binding).anyMatch(b -> b.protocol().equals(want.protocol())
                && b.hostPort() == want.hostPort()
                && (allAddresses(b) || allAddresses(want) || b.hostIp().equals(want.hostIp())));
    }

    private static boolean allAddresses(PortBinding p) {
        return p.hostAddress().equals("0.0.0.0");
    }

    private static NetworkChannel bind(PortBinding p, int port) throws IOException {
        boolean both = dualStack(p);
        // Java's IPv6 sockets are dual-stack: [::]:PORT holds the port on IPv4 as well
        InetSocketAddress address = both ? new InetSocketAddress(InetAddress.getByName(IPV6_ANY), port) : new InetSocketAddress(address(p), port);
        StandardProtocolFamily family = both ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        NetworkChannel channel = p.protocol().equals("udp") ? DatagramChannel.open(family) : ServerSocketChannel.open(family);
        try {
            channel.bind(address);
            return channel;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    private static boolean ipv6() {
        try (ServerSocketChannel probe = ServerSocketChannel.open(StandardProtocolFamily.INET6)) {
            probe.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static InetAddress address(PortBinding p) throws UnknownHostException {
        return InetAddress.getByName(p.hostAddress());
    }

    /** In use ("port is already allocated", docker's words), or an address this host does not have. */
    private static NetworkException bindFailure(PortBinding p, IOException e) {
        if (e instanceof java.net.BindException && String.valueOf(e.getMessage()).contains("assign requested address")) {
            return new NetworkException("cannot publish port " + p.hostPort() + " on " + p.hostAddress()
                    + ": no interface of this host has that address (bind: cannot assign requested address)");
        }
        return allocated(p);
    }

    static NetworkException allocated(PortBinding p) {
        return new NetworkException("Bind for " + p.hostAddress() + ":" + p.hostPort() + " failed: port is already allocated");
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // Closing a socket we only held; nothing to do.
        }
    }
}
