package dev.skiff.daemon.api;

import dev.skiff.engine.sys.SeqPacketSocket;
import dev.skiff.formats.DetachKeys;
import dev.skiff.http.Exchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Joins a hijacked client connection to conmon's attach socket, as dockerd joins an attach to its
 * container's streams. conmon sends each read of the container's output as one message whose first
 * byte names the pipe (2 stdout, 3 stderr); without a TTY the client gets docker's 8-byte
 * multiplexed frames, with one the bytes as they are. What the client sends goes to the container's
 * stdin; a TTY client that types its detach keys (docker's default Ctrl-P Ctrl-Q) is let go instead,
 * the keys themselves held back, as dockerd does.
 */
public final class AttachPump {
    private static final int STDOUT_PIPE = 2;
    private static final int STDERR_PIPE = 3;

    /** Which streams the client asked for. */
    public record Streams(boolean stdin, boolean stdout, boolean stderr) {
    }

    private AttachPump() {
    }

    /**
     * Pumps until the container's output ends (it exited), the client goes away, or it detaches.
     * Blocks the calling thread; stdin is copied on a second thread.
     */
    public static void pump(SeqPacketSocket conmon, Exchange.Hijacked client, boolean tty, Streams streams, DetachKeys detachKeys) {
        Thread input = null;
        if (streams.stdin()) {
            input = Thread.ofPlatform().daemon().name("attach-stdin").start(() -> copyInput(client.input(), conmon, tty ? detachKeys : null));
        }
        Thread output = Thread.ofPlatform().daemon().name("attach-stdout").start(() -> copyOutput(conmon, client.output(), tty, streams));
        try {
            output.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            conmon.close();
            if (input != null) {
                input.interrupt();
            }
        }
    }

    private static void copyOutput(SeqPacketSocket conmon, OutputStream client, boolean tty, Streams streams) {
        byte[] message = new byte[32 * 1024 + 1];
        try {
            int n;
            while ((n = conmon.receive(message)) > 0) {
                int pipe = message[0];
                boolean wanted = pipe == STDOUT_PIPE ? streams.stdout() : pipe == STDERR_PIPE && streams.stderr();
                if (!wanted || n == 1) {
                    continue;
                }
                if (tty) {
                    client.write(message, 1, n - 1);
                } else {
                    client.write(frame(pipe == STDOUT_PIPE ? 1 : 2, message, 1, n - 1));
                }
            }
        } catch (IOException e) {
            // the client went away, or conmon did: either way the attach is over
        }
    }

    private static void copyInput(InputStream client, SeqPacketSocket conmon, DetachKeys detachKeys) {
        byte[] buf = new byte[32 * 1024];
        try {
            int n;
            while ((n = client.read(buf)) > 0) {
                if (detachKeys == null) {
                    conmon.send(buf, 0, n);
                    continue;
                }
                byte[] pass = detachKeys.filter(buf, 0, n);
                if (pass.length > 0) {
                    conmon.send(pass, 0, pass.length);
                }
                if (detachKeys.detached()) {
                    conmon.close(); // ends the output side: the client is detached, the container goes on
                    return;
                }
            }
            conmon.shutdownOutput(); // stdin's end: conmon closes the container's stdin when it is StdinOnce
        } catch (IOException e) {
            // the attach is over
        }
    }

    /** docker's stdcopy frame: stream (1 stdout, 2 stderr), three zero bytes, the length big-endian, the bytes. */
    public static byte[] frame(int stream, byte[] bytes, int offset, int length) {
        byte[] out = new byte[8 + length];
        out[0] = (byte) stream;
        out[4] = (byte) (length >>> 24);
        out[5] = (byte) (length >>> 16);
        out[6] = (byte) (length >>> 8);
        out[7] = (byte) length;
        System.arraycopy(bytes, offset, out, 8, length);
        return out;
    }

    static byte[] frame(int stream, byte[] bytes) {
        return frame(stream, bytes, 0, bytes.length);
    }

}
