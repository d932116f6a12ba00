package dev.skiff.engine.network;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Host ports published by containers. Each published port is also bound by the daemon (a listening
 * socket nobody accepts on, as dockerd 28 does to reserve its ports): binding is how a port already
 * used by a host process is detected, and holding it keeps a host process from taking it later. The
 * socket never sees the container's traffic, since the DNAT rules rewrite it before local delivery.
 */
final class PortReservations {
    private record Held(PortBinding binding, Closeable socket) {
    }

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
        byContainer.put(containerId, held);
        return held.stream().map(Held::binding).toList();
    }

    /**
     * Takes the reservations of a container attached before a daemon restart. A port a host process
     * took meanwhile is still counted as the container's (its DNAT rule still wins), just not held.
     */
    synchronized void restore(String containerId, List<PortBinding> ports) {
        List<Held> held = new ArrayList<>();
        for (PortBinding p : ports) {
            Closeable socket;
            try {
                socket = bind(p, p.hostPort());
            } catch (IOException e) {
                socket = () -> { };
            }
            held.add(new Held(p, socket));
        }
        byContainer.put(containerId, held);
    }

    synchronized void release(String containerId) {
        List<Held> held = byContainer.remove(containerId);
        if (held != null) {
            held.forEach(h -> closeQuietly(h.socket()));
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
        InetSocketAddress address = new InetSocketAddress(address(p), port);
        NetworkChannel channel = p.protocol().equals("udp")
                ? DatagramChannel.open(StandardProtocolFamily.INET)
                : ServerSocketChannel.open(StandardProtocolFamily.INET);
        try {
            channel.bind(address);
            return channel;
        } catch (IOException e) {
            channel.close();
            throw e;
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
