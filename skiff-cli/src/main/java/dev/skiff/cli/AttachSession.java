package dev.skiff.cli;

import dev.skiff.cli.client.HijackedStream;
import dev.skiff.cli.client.StdCopy;
import dev.skiff.formats.DetachKeys;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Moves bytes between the local terminal and a hijacked attach or exec connection, as docker's
 * hijackedIOStreamer: output demultiplexed into stdout/stderr (raw with a TTY), stdin copied in and
 * half-closed at its EOF (half-closed at once when stdin is not attached), and with a TTY the detach
 * keys (default Ctrl-P Ctrl-Q) end the session while the container keeps running.
 */
final class AttachSession {
    private static final long DETACH_GRACE_MILLIS = 1000;

    /** How the session ended: the output ended (the process exited), or the user detached. */
    enum End { OUTPUT_ENDED, DETACHED }

    private AttachSession() {
    }

    static End stream(HijackedStream connection, boolean tty, boolean stdin, String detachKeys,
                      InputStream in, OutputStream out, OutputStream err) throws IOException {
        AtomicBoolean detached = new AtomicBoolean();
        if (stdin) {
            byte[] escape = tty ? detachKeys(detachKeys) : new byte[0];
            Thread.ofPlatform().daemon().name("skiff-stdin").start(() -> copyInput(connection, in, escape, detached));
        } else {
            connection.closeWrite();
        }
        try {
            if (tty) {
                byte[] buffer = new byte[32 * 1024];
                InputStream from = connection.input();
                for (int n; (n = from.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } else {
                StdCopy.demultiplex(connection.input(), out, err);
            }
        } catch (IOException e) {
            if (!detached.get()) {
                throw e;
            }
        } finally {
            out.flush();
            err.flush();
        }
        return detached.get() ? End.DETACHED : End.OUTPUT_ENDED;
    }

    private static void copyInput(HijackedStream connection, InputStream in, byte[] escape, AtomicBoolean detached) {
        OutputStream to = connection.output();
        byte[] buffer = new byte[8192];
        int matched = 0;
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                if (escape.length == 0) {
                    to.write(buffer, 0, n);
                    to.flush();
                    continue;
                }
                // hold back a partial escape sequence; send it on if the next key breaks it
                ByteArrayOutputStream pass = new ByteArrayOutputStream();
                for (int i = 0; i < n; i++) {
                    byte b = buffer[i];
                    if (b == escape[matched]) {
                        matched++;
                        if (matched == escape.length) {
                            // the keys go on to the daemon, which detaches its side cleanly (dockerd does, and keeps a
                            // TTY container running); a daemon that does not is left by closing after a moment
                            detached.set(true);
                            pass.writeTo(to);
                            to.write(escape);
                            to.flush();
                            Thread.sleep(DETACH_GRACE_MILLIS);
                            connection.close();
                            return;
                        }
                        continue;
                    }
                    pass.write(escape, 0, matched);
                    matched = 0;
                    if (b == escape[0]) {
                        matched = 1;
                    } else {
                        pass.write(b);
                    }
                }
                pass.writeTo(to);
                to.flush();
            }
            connection.closeWrite();
        } catch (IOException e) {
            // the connection is gone: the output side notices and ends the session
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** docker's detach key syntax: {@code ctrl-p,ctrl-q}, {@code a}, {@code ctrl-@}, {@code ctrl-[} ... as bytes. */
    static byte[] detachKeys(String spec) {
        try {
            return DetachKeys.of(spec).bytes();
        } catch (IllegalArgumentException e) {
            throw new Cli.UserError(e.getMessage());
        }
    }
}
