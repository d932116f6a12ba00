package dev.skiff.formats;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * Docker's detach keys ({@code --detach-keys}, the attach and exec {@code detachKeys}): the spec
 * ({@code ctrl-p,ctrl-q}, {@code ctrl-a,x}, ...) as bytes, and a filter for a terminal's input that
 * holds back a partial sequence (sent on when the next key breaks it) and says when the whole one was
 * typed, which is then not sent at all.
 */
public final class DetachKeys {
    /** Docker's default: Ctrl-P then Ctrl-Q. */
    public static final String DEFAULT = "ctrl-p,ctrl-q";

    private final byte[] keys;
    private int matched;
    private boolean detached;

    private DetachKeys(byte[] keys) {
        this.keys = keys;
    }

    /**
     * A filter for these keys; an empty or absent spec means docker's default.
     *
     * @throws IllegalArgumentException docker's {@code Invalid detach keys (x) provided}, with what is wrong
     */
    public static DetachKeys of(String spec) {
        return new DetachKeys(parse(spec == null || spec.isBlank() ? DEFAULT : spec));
    }

    /** Each key: one character, or {@code ctrl-} and a letter or one of {@code @ [ \ ] ^ _}. */
    static byte[] parse(String spec) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String key : spec.split(",", -1)) {
            String k = key.strip();
            String lower = k.toLowerCase(Locale.ROOT);
            if (k.length() == 1) {
                out.write(k.charAt(0));
            } else if (lower.startsWith("ctrl-") && k.length() == 6) {
                char c = lower.charAt(5);
                if (c >= 'a' && c <= 'z') {
                    out.write(c - 'a' + 1);
                } else if (c == '@' || c == '[' || c == '\\' || c == ']' || c == '^' || c == '_') {
                    out.write(c - '@');
                } else {
                    throw invalid(spec, "'" + key + "' is not a control key; use ctrl- and a letter or one of @ [ \\ ] ^ _");
                }
            } else {
                throw invalid(spec, "'" + key + "' is neither one character nor ctrl-<key>; e.g. ctrl-p,ctrl-q");
            }
        }
        return out.toByteArray();
    }

    private static IllegalArgumentException invalid(String spec, String why) {
        return new IllegalArgumentException("Invalid detach keys (" + spec + ") provided: " + why);
    }

    /**
     * What of {@code bytes[off, off+len)} is to be passed on. After the whole sequence was typed
     * {@link #detached()} is true and the rest of the input is dropped, as docker drops it.
     */
    public byte[] filter(byte[] bytes, int off, int len) {
        ByteArrayOutputStream pass = new ByteArrayOutputStream(len);
        for (int i = off; i < off + len && !detached; i++) {
            byte b = bytes[i];
            if (b == keys[matched]) {
                matched++;
                if (matched == keys.length) {
                    detached = true;
                }
                continue;
            }
            // the held-back keys were not the sequence after all: they go on, and this key may start it again
            pass.write(keys, 0, matched);
            matched = 0;
            if (b == keys[0]) {
                matched = 1;
                if (keys.length == 1) {
                    detached = true;
                }
            } else {
                pass.write(b);
            }
        }
        return pass.toByteArray();
    }

    /** True once the whole sequence was typed. */
    public boolean detached() {
        return detached;
    }

    /** The keys as bytes (Ctrl-P is 0x10). */
    public byte[] bytes() {
        return Arrays.copyOf(keys, keys.length);
    }
}
