package dev.skiff.cli;

import dev.skiff.cli.client.StdCopy;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The 8-byte-header multiplexed stream of attach, exec and logs, split back into stdout and stderr. */
class StdCopyTest {
    static byte[] frame(int stream, String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        byte[] f = new byte[8 + p.length];
        f[0] = (byte) stream;
        f[4] = (byte) (p.length >>> 24);
        f[5] = (byte) (p.length >>> 16);
        f[6] = (byte) (p.length >>> 8);
        f[7] = (byte) p.length;
        System.arraycopy(p, 0, f, 8, p.length);
        return f;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Gives at most one byte per read, as a network may: every header and payload arrives in pieces. */
    static InputStream trickle(byte[] bytes) {
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
    }

    @Test
    void theTracesFrameIsHi() throws Exception {
        // docker-traces/engine-run-attached-rm.md: 01 00 00 00 00 00 00 03 "hi\n"
        byte[] wire = {1, 0, 0, 0, 0, 0, 0, 3, 'h', 'i', '\n'};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(StdCopy.demultiplex(new ByteArrayInputStream(wire), out, err)).isEqualTo(3);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hi\n");
        assertThat(err.size()).isZero();
    }

    @Test
    void interleavedStreamsAndFramesSplitAcrossReads() throws Exception {
        String big = "x".repeat(100_000);
        byte[] wire = concat(frame(2, "line-to-stderr\n"), frame(1, "line-to-stdout\n"), frame(1, big), frame(2, ""), frame(1, "end\n"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StdCopy.demultiplex(trickle(wire), out, err);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("line-to-stdout\n" + big + "end\n");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("line-to-stderr\n");
    }

    @Test
    void anEmptyStreamIsNoOutput() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(StdCopy.demultiplex(InputStream.nullInputStream(), out, out)).isZero();
    }

    @Test
    void cutFramesAndDaemonErrorsFail() {
        byte[] whole = frame(1, "hello");
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        assertThatThrownBy(() -> StdCopy.demultiplex(new ByteArrayInputStream(whole, 0, 5), sink, sink)).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> StdCopy.demultiplex(new ByteArrayInputStream(whole, 0, 10), sink, sink)).isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> StdCopy.demultiplex(new ByteArrayInputStream(frame(3, "log file is gone\n")), sink, sink))
                .isInstanceOf(StdCopy.StreamError.class).hasMessage("log file is gone");
        assertThatThrownBy(() -> StdCopy.demultiplex(new ByteArrayInputStream(frame(7, "?")), sink, sink))
                .isInstanceOf(StdCopy.StreamError.class).hasMessageContaining("unrecognized stream 7");
    }
}
