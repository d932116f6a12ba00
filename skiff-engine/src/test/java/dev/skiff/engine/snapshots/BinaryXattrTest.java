package dev.skiff.engine.snapshots;

import dev.skiff.engine.content.ContentStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Binary extended attributes (file capabilities, as Debian's ping has) arrive byte for byte, though
 * the tar reader decodes PAX values as UTF-8: they are read back from the layer's own bytes.
 */
class BinaryXattrTest {
    /** security.capability v2: effective, cap_net_raw (bit 13) permitted. Not valid UTF-8. */
    static final byte[] CAP_NET_RAW = {0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    static final byte[] BINARY = {(byte) 0xff, 0x00, (byte) 0xfe, 'x', (byte) 0xc3};

    @TempDir
    Path dataRoot;

    private ContentStore content;
    private Snapshotter snapshotter;

    @BeforeEach
    void open() {
        content = ContentStore.open(dataRoot);
        snapshotter = Snapshotter.open(dataRoot, content);
    }

    @Test
    void fileCapabilitiesAndOtherBinaryValuesArriveByteForByte() throws Exception {
        RawTar tar = new RawTar();
        tar.file("bin/before", "no xattrs\n".getBytes(StandardCharsets.UTF_8));
        tar.pax(List.of(record("SCHILY.xattr.security.capability", CAP_NET_RAW), record("SCHILY.xattr.user.blob", BINARY),
                record("SCHILY.xattr.user.text", "plain".getBytes(StandardCharsets.UTF_8))));
        tar.file("bin/ping", new byte[70_000]); // big enough to move the stream well past its header
        tar.pax(List.of(record("SCHILY.xattr.user.other", new byte[] {(byte) 0x80, 0x01})));
        tar.file("bin/other", "x".getBytes(StandardCharsets.UTF_8));
        tar.file("bin/after", "none\n".getBytes(StandardCharsets.UTF_8));
        byte[] bytes = tar.end();

        Snapshot s = snapshotter.ensure(List.of(LayerTar.store(content, bytes, LayerTar.gzip(bytes)))).getFirst();
        Path fs = s.fs();

        assertThat(LinuxCalls.lgetxattr(fs.resolve("bin/ping"), "security.capability")).hasValue(CAP_NET_RAW);
        assertThat(LinuxCalls.lgetxattr(fs.resolve("bin/ping"), "user.blob")).hasValue(BINARY);
        assertThat(LinuxCalls.lgetxattr(fs.resolve("bin/ping"), "user.text")).hasValue("plain".getBytes(StandardCharsets.UTF_8));
        assertThat(LinuxCalls.lgetxattr(fs.resolve("bin/other"), "user.other")).hasValue(new byte[] {(byte) 0x80, 0x01});
        assertThat(LinuxCalls.lgetxattr(fs.resolve("bin/other"), "security.capability")).isEmpty();
        assertThat(LinuxCalls.lgetxattr(fs.resolve("bin/after"), "user.other")).isEmpty();
        assertThat(LinuxCalls.lgetxattr(fs.resolve("bin/before"), "user.blob")).isEmpty();
        assertThat(Files.size(fs.resolve("bin/ping"))).isEqualTo(70_000);
    }

    @Test
    void recordsKeepValuesAsBytesAndRefuseMalformedOnes() {
        byte[] data = concat(record("SCHILY.xattr.user.a", BINARY), record("path", "x/y".getBytes(StandardCharsets.UTF_8)));
        assertThat(RecentTarBytes.records(data)).containsOnlyKeys("user.a").hasEntrySatisfying("user.a", v -> assertThat(v).isEqualTo(BINARY));
        assertThat(RecentTarBytes.records("99 SCHILY.xattr.user.a=1\n".getBytes(StandardCharsets.US_ASCII))).isEmpty();
        assertThat(RecentTarBytes.records("x SCHILY.xattr.user.a=1\n".getBytes(StandardCharsets.US_ASCII))).isEmpty();
    }

    static byte[] record(String key, byte[] value) {
        byte[] body = concat((" " + key + "=").getBytes(StandardCharsets.UTF_8), value, new byte[] {'\n'});
        int length = body.length;
        while (Integer.toString(length).length() + body.length != length) {
            length = Integer.toString(length).length() + body.length;
        }
        return concat(Integer.toString(length).getBytes(StandardCharsets.US_ASCII), body);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A tar written block by block, so a PAX header can hold any bytes. */
    static final class RawTar {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void file(String name, byte[] data) {
            entry(name, '0', data);
        }

        void pax(List<byte[]> records) {
            entry("PaxHeaders/x", 'x', concat(records.toArray(byte[][]::new)));
        }

        private void entry(String name, char type, byte[] data) {
            byte[] h = new byte[512];
            put(h, 0, name);
            put(h, 100, "0000644");
            put(h, 108, "0000000");
            put(h, 116, "0000000");
            put(h, 124, String.format("%011o", data.length));
            put(h, 136, "00000000000");
            h[156] = (byte) type;
            put(h, 257, "ustar");
            h[262] = 0;
            put(h, 263, "00");
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            put(h, 148, String.format("%06o", sum));
            h[154] = 0;
            h[155] = ' ';
            out.writeBytes(h);
            out.writeBytes(data);
            out.writeBytes(new byte[(512 - data.length % 512) % 512]);
        }

        private static void put(byte[] h, int at, String s) {
            byte[] b = s.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(b, 0, h, at, b.length);
        }

        byte[] end() {
            out.writeBytes(new byte[1024]);
            return out.toByteArray();
        }
    }
}
