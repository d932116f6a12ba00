package dev.skiff.engine.network;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The DNS responder over real UDP on 127.0.0.1, with a fake upstream standing for the host's resolver. */
class EmbeddedDnsTest {
    private static byte[] query(int id, String name, int type) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer header = ByteBuffer.allocate(12).putShort((short) id).putShort((short) 0x0100).putShort((short) 1);
        out.writeBytes(header.array());
        for (String label : name.split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(4).putShort((short) type).putShort((short) 1).array());
        return out.toByteArray();
    }

    private static byte[] ask(DatagramSocket client, InetSocketAddress server, byte[] query) throws Exception {
        client.send(new DatagramPacket(query, query.length, server));
        byte[] buf = new byte[1024];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        client.receive(p);
        return Arrays.copyOf(buf, p.getLength());
    }

    private static int answers(byte[] reply) {
        return ((reply[6] & 0xff) << 8) | (reply[7] & 0xff);
    }

    private static int rcode(byte[] reply) {
        return reply[3] & 0xf;
    }

    @Test
    void answersContainerNamesAndForwardsTheRest() throws Exception {
        try (DatagramSocket upstream = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket client = new DatagramSocket()) {
            client.setSoTimeout(5000);
            // The upstream answers everything with a canned reply marked by its last byte.
            Thread.ofVirtual().start(() -> {
                try {
                    byte[] buf = new byte[512];
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    upstream.receive(p);
                    byte[] reply = Arrays.copyOf(buf, p.getLength() + 1);
                    reply[2] |= (byte) 0x80;
                    reply[reply.length - 1] = 42;
                    upstream.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                } catch (Exception e) {
                    // The test fails on the client's timeout.
                }
            });
            try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                InetSocketAddress at = (InetSocketAddress) probe.getLocalSocketAddress();
                probe.close();
                try (EmbeddedDns dns = EmbeddedDns.start(at, List.of((InetSocketAddress) upstream.getLocalSocketAddress()),
                        List.of("corp.example"))) {
                    dns.register("0123456789abcdef", List.of("web", "Web-Alias"), "10.240.0.7");

                    byte[] a = ask(client, at, query(7, "WEB-alias", 1));
                    assertThat(a[0] << 8 | a[1] & 0xff).isEqualTo(7);
                    assertThat(rcode(a)).isZero();
                    assertThat(answers(a)).isEqualTo(1);
                    assertThat(Arrays.copyOfRange(a, a.length - 4, a.length))
                            .isEqualTo(InetAddress.getByName("10.240.0.7").getAddress());
                    assertThat(answers(ask(client, at, query(8, "0123456789ab", 1)))).isEqualTo(1);
                    assertThat(answers(ask(client, at, query(13, "web.corp.example", 1)))).isEqualTo(1);
                    byte[] aaaa = ask(client, at, query(9, "web", 28));
                    assertThat(rcode(aaaa)).isZero();
                    assertThat(answers(aaaa)).isZero();
                    assertThat(rcode(ask(client, at, query(10, "nosuch", 1)))).isEqualTo(3);

                    byte[] forwarded = ask(client, at, query(11, "example.org", 1));
                    assertThat(forwarded[forwarded.length - 1]).isEqualTo((byte) 42);

                    dns.unregister("0123456789abcdef");
                    assertThat(rcode(ask(client, at, query(12, "web", 1)))).isEqualTo(3);
                }
            }
        }
    }
}
