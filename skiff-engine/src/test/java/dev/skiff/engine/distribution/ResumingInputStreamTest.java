package dev.skiff.engine.distribution;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResumingInputStreamTest {
    private final byte[] blob = new byte[300_000];

    {
        new Random(7).nextBytes(blob);
    }

    /** The blob from {@code offset}, failing (as a dropped connection does) after {@code cut} bytes. */
    private InputStream cutAfter(long offset, int cut, boolean throwing) {
        int end = (int) Math.min(blob.length, offset + cut);
        InputStream part = new ByteArrayInputStream(blob, (int) offset, end - (int) offset);
        if (!throwing || end == blob.length) {
            return part;
        }
        return new InputStream() {
            @Override
            public int read() throws IOException {
                int b = part.read();
                if (b < 0) {
                    throw new IOException("Connection reset");
                }
                return b;
            }
        };
    }

    @Test
    void aBodyThatBreaksOffIsPickedUpWhereItStopped() throws IOException {
        List<Long> offsets = new ArrayList<>();
        ResumingInputStream in = new ResumingInputStream(cutAfter(0, 100_000, true), blob.length, offset -> {
            offsets.add(offset);
            return cutAfter(offset, 100_000, true);
        });
        assertThat(in.readAllBytes()).isEqualTo(blob);
        assertThat(offsets).containsExactly(100_000L, 200_000L);
        assertThat(in.resumes()).isEqualTo(2);
    }

    @Test
    void aBodyThatEndsBeforeTheBlobsSizeCountsAsCutOff() throws IOException {
        ResumingInputStream in = new ResumingInputStream(cutAfter(0, 1234, false), blob.length,
                offset -> cutAfter(offset, blob.length, false));
        assertThat(in.readAllBytes()).isEqualTo(blob);
        assertThat(in.resumes()).isEqualTo(1);
    }

    @Test
    void itGivesUpWhenRetriesBringNothingNew() {
        ResumingInputStream in = new ResumingInputStream(cutAfter(0, 10, true), blob.length, offset -> cutAfter(offset, 0, true));
        assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");
        assertThat(in.resumes()).isEqualTo(ResumingInputStream.MAX_ATTEMPTS - 1);
    }
}
