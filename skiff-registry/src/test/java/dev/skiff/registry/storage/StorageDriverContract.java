package dev.skiff.registry.storage;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link StorageDriver} must do; each driver's test extends this (an S3 driver will too).
 */
abstract class StorageDriverContract {

    /** A fresh, empty driver for each test. */
    abstract StorageDriver driver() throws Exception;

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void putThenGetCreatesParentsAndReplacesWholly() throws Exception {
        StorageDriver d = driver();
        d.putContent("/a/b/c/link", bytes("first"));
        assertThat(d.getContent("/a/b/c/link")).isEqualTo(bytes("first"));
        d.putContent("/a/b/c/link", bytes("2nd"));
        assertThat(d.getContent("/a/b/c/link")).isEqualTo(bytes("2nd"));
        assertThat(d.list("/a/b/c")).containsExactly("link");
    }

    @Test
    void missingThingsAreEmptyNotErrors() throws Exception {
        StorageDriver d = driver();
        assertThat(d.stat("/nothing/here")).isEmpty();
        assertThat(d.list("/nothing")).isEmpty();
        d.delete("/nothing/at/all");
        assertThatThrownBy(() -> d.getContent("/nothing")).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> d.touch("/nothing", FileTime.from(Instant.now()))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void statTellsSizeTimeAndKind() throws Exception {
        StorageDriver d = driver();
        d.putContent("/dir/file", new byte[42]);
        StorageDriver.FileInfo file = d.stat("/dir/file").orElseThrow();
        assertThat(file.size()).isEqualTo(42);
        assertThat(file.directory()).isFalse();
        assertThat(d.stat("/dir").orElseThrow().directory()).isTrue();
        FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        d.touch("/dir/file", old);
        assertThat(d.stat("/dir/file").orElseThrow().modified()).isEqualTo(old);
    }

    @Test
    void appendThenMoveIntoPlace() throws Exception {
        StorageDriver d = driver();
        try (FileChannel ch = d.openAppend("/uploads/1/data")) {
            ch.write(ByteBuffer.wrap(bytes("hello ")));
        }
        try (FileChannel ch = d.openAppend("/uploads/1/data")) {
            ch.write(ByteBuffer.wrap(bytes("world")));
        }
        d.move("/uploads/1/data", "/blobs/x/data");
        assertThat(d.stat("/uploads/1/data")).isEmpty();
        try (FileChannel ch = d.openRead("/blobs/x/data")) {
            ByteBuffer b = ByteBuffer.allocate(64);
            ch.read(b);
            assertThat(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8)).isEqualTo("hello world");
        }
    }

    @Test
    void scratchFilesAreReadableLikeAnyOther() throws Exception {
        StorageDriver d = driver();
        d.putScratch("/uploads/2/startedat", bytes("2026-01-01T00:00:00Z"));
        assertThat(d.getContent("/uploads/2/startedat")).isEqualTo(bytes("2026-01-01T00:00:00Z"));
    }

    @Test
    void deleteRemovesAWholeTreeButNeverTheRoot() throws Exception {
        StorageDriver d = driver();
        d.putContent("/repo/a/_layers/sha256/x/link", bytes("l"));
        d.putContent("/repo/a/_manifests/tags/t/current/link", bytes("m"));
        d.delete("/repo/a");
        assertThat(d.stat("/repo/a")).isEmpty();
        assertThat(d.list("/repo")).isEmpty();
        assertThatThrownBy(() -> d.delete("/")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pathsThatWouldLeaveTheRootAreRefused() throws Exception {
        StorageDriver d = driver();
        for (String bad : new String[] {"relative", "/a/../../etc/passwd", "/a/..", "/./a", "/a//b", "/a\0b"}) {
            assertThatThrownBy(() -> d.putContent(bad, bytes("x"))).as(bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> d.stat(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
