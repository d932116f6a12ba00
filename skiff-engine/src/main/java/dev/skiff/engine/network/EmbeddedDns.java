package dev.skiff.engine.network;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A user network's name service, like docker's embedded DNS: answers A queries for the names of the
 * containers attached to the network (hostname, aliases, short ID) and forwards every other query to
 * the host's nameservers. It listens on the network's gateway address (UDP 53), which every container
 * of the network reaches, so it needs no rule inside the containers' namespaces; docker's 127.0.0.11
 * would. Forwarding from the host also makes the host's loopback resolvers (127.0.0.53) usable.
 */
final class EmbeddedDns implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EmbeddedDns.class.getName());
    static final int PORT = 53;
    private static final int TTL_SECONDS = 600;
    private static final int FORWARD_TIMEOUT_MILLIS = 2000;
    private static final int TYPE_A = 1;
    private static final int RCODE_NXDOMAIN = 3;
    private static final int RCODE_SERVFAIL = 2;

    private record Entry(String containerId, byte[] address) {
    }

    private final DatagramChannel channel;
    private final List<InetSocketAddress> upstreams;
    private final List<String> searchDomains;
    private final Map<String, List<Entry>> names = new ConcurrentHashMap<>();

    private EmbeddedDns(DatagramChannel channel, List<InetSocketAddress> upstreams, List<String> searchDomains) {
        this.channel = channel;
        this.upstreams = upstreams;
        this.searchDomains = searchDomains.stream().map(EmbeddedDns::key).toList();
    }

    /** Listens on {@code address}:port and forwards unknown names to {@code upstreams}. */
    static EmbeddedDns start(InetSocketAddress address, List<InetSocketAddress> upstreams, List<String> searchDomains) {
        DatagramChannel channel;
        try {
            channel = DatagramChannel.open(java.net.StandardProtocolFamily.INET);
            channel.bind(address);
        } catch (IOException e) {
            throw new NetworkException("cannot start the network's DNS server on " + address + ": " + e.getMessage(), e);
        }
        EmbeddedDns dns = new EmbeddedDns(channel, List.copyOf(upstreams), searchDomains);
        Thread.ofVirtual().name("dns-" + address).start(dns::serve);
        return dns;
    }

    static EmbeddedDns start(String gateway, HostResolvConf host) {
        List<InetSocketAddress> upstreams = host.nameservers().stream()
                .filter(Ipv4Cidr::isAddress).filter(s -> !s.equals(gateway))
                .map(s -> new InetSocketAddress(s, PORT)).toList();
        return start(new InetSocketAddress(gateway, PORT), upstreams, host.searchDomains());
    }

    /** Makes the container's names resolve to its address; names are case-insensitive, as in DNS. */
    void register(String containerId, List<String> containerNames, String ip) {
        byte[] address = new byte[4];
        ByteBuffer.wrap(address).putInt(Ipv4Cidr.parseAddress(ip));
        List<String> all = new ArrayList<>(containerNames);
        all.add(containerId.length() > 12 ? containerId.substring(0, 12) : containerId);
        for (String name : all) {
            if (!name.isBlank()) {
                names.compute(key(name), (k, v) -> {
                    List<Entry> list = v == null ? new ArrayList<>() : new ArrayList<>(v);
                    list.removeIf(e -> e.containerId().equals(containerId));
                    list.add(new Entry(containerId, address));
                    return List.copyOf(list);
                });
            }
        }
    }

    void unregister(String containerId) {
        for (String name : List.copyOf(names.keySet())) {
            names.computeIfPresent(name, (k, v) -> {
                List<Entry> left = v.stream().filter(e -> !e.containerId().equals(containerId)).toList();
                return left.isEmpty() ? null : left;
            });
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the DNS socket", e);
        }
    }

    private void serve() {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (channel.isOpen()) {
            try {
                buffer.clear();
                SocketAddress client = channel.receive(buffer);
                buffer.flip();
                byte[] query = new byte[buffer.remaining()];
                buffer.get(query);
                Thread.ofVirtual().start(() -> answer(query, client));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "DNS receive failed", e);
            }
        }
    }

    private void answer(byte[] query, SocketAddress client) {
        try {
            byte[] reply = reply(query).orElse(null);
            if (reply != null) {
                channel.send(ByteBuffer.wrap(reply), client);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "DNS answer failed", e);
        }
    }

    /** The reply to one query, or empty to drop it (not a query at all). */
    Optional<byte[]> reply(byte[] query) {
        Question q = Question.parse(query).orElse(null);
        if (q == null) {
            return Optional.empty();
        }
        List<Entry> found = lookup(key(q.name()));
        if (found != null) {
            return Optional.of(q.answer(q.type() == TYPE_A ? found.stream().map(Entry::address).toList() : List.of(), 0));
        }
        if (!q.name().contains(".")) {
            // A single label nobody here has: no upstream knows it either.
            return Optional.of(q.answer(List.of(), RCODE_NXDOMAIN));
        }
        return Optional.of(forward(query).orElseGet(() -> q.answer(List.of(), RCODE_SERVFAIL)));
    }

    /**
     * A container's name, also with one of the host's search domains appended: containers get those
     * domains in their resolv.conf, so a resolver asks for "web.example.com" before "web", and an
     * answer here spares it a round trip to the upstream servers (or their timeout, offline).
     */
    private List<Entry> lookup(String name) {
        List<Entry> found = names.get(name);
        for (int i = 0; found == null && i < searchDomains.size(); i++) {
            String suffix = "." + searchDomains.get(i);
            if (name.endsWith(suffix)) {
                found = names.get(name.substring(0, name.length() - suffix.length()));
            }
        }
        return found;
    }

    private Optional<byte[]> forward(byte[] query) {
        for (InetSocketAddress upstream : upstreams) {
            try (DatagramSocket socket = new DatagramSocket()) {
                socket.setSoTimeout(FORWARD_TIMEOUT_MILLIS);
                socket.send(new DatagramPacket(query, query.length, upstream));
                byte[] buf = new byte[4096];
                DatagramPacket packet = new DatagramPacket(buf, buf.length);
                socket.receive(packet);
                byte[] reply = new byte[packet.getLength()];
                System.arraycopy(buf, 0, reply, 0, reply.length);
                return Optional.of(reply);
            } catch (SocketTimeoutException e) {
                // Try the next one.
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "DNS forward to " + upstream + " failed", e);
            }
        }
        return Optional.empty();
    }

    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /** The one question of a standard query (RFC 1035 4.1), with the bytes needed to answer it. */
    private record Question(int id, int flags, String name, int type, byte[] section) {
        static Optional<Question> parse(byte[] m) {
            if (m.length < 12) {
                return Optional.empty();
            }
            ByteBuffer b = ByteBuffer.wrap(m);
            int id = b.getShort() & 0xffff;
            int flags = b.getShort() & 0xffff;
            int qdcount = b.getShort() & 0xffff;
            if ((flags & 0x8000) != 0 || ((flags >> 11) & 0xf) != 0 || qdcount != 1) {
                return Optional.empty();
            }
            StringBuilder name = new StringBuilder();
            int pos = 12;
            while (true) {
                if (pos >= m.length) {
                    return Optional.empty();
                }
                int len = m[pos] & 0xff;
                if (len == 0) {
                    pos++;
                    break;
                }
                if (len > 63 || pos + 1 + len > m.length) {
                    return Optional.empty();
                }
                if (!name.isEmpty()) {
                    name.append('.');
                }
                name.append(new String(m, pos + 1, len, java.nio.charset.StandardCharsets.US_ASCII));
                pos += 1 + len;
            }
            if (pos + 4 > m.length) {
                return Optional.empty();
            }
            int type = ((m[pos] & 0xff) << 8) | (m[pos + 1] & 0xff);
            byte[] section = new byte[pos + 4 - 12];
            System.arraycopy(m, 12, section, 0, section.length);
            return Optional.of(new Question(id, flags, name.toString(), type, section));
        }

        byte[] answer(List<byte[]> addresses, int rcode) {
            ByteBuffer out = ByteBuffer.allocate(12 + section.length + addresses.size() * 16);
            out.putShort((short) id);
            out.putShort((short) (0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode));
            out.putShort((short) 1);
            out.putShort((short) addresses.size());
            out.putShort((short) 0);
            out.putShort((short) 0);
            out.put(section);
            for (byte[] a : addresses) {
                out.putShort((short) 0xc00c);
                out.putShort((short) TYPE_A);
                out.putShort((short) 1);
                out.putInt(TTL_SECONDS);
                out.putShort((short) 4);
                out.put(a);
            }
            return out.array();
        }
    }
}
