package dev.skiff.registry.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/** The parts of an {@code Authorization} header (RFC 7235: the scheme is case-insensitive). */
record Credentials(String scheme, String value) {
    static final String BASIC = "basic";
    static final String BEARER = "bearer";

    /** A user name and password from a Basic header; {@link #clear()} wipes the password after use. */
    record Basic(String user, char[] password) {
        void clear() {
            Arrays.fill(password, '\0');
        }
    }

    static Optional<Credentials> parse(String header) {
        String trimmed = header.strip();
        int space = trimmed.indexOf(' ');
        if (space <= 0) {
            return Optional.empty();
        }
        return Optional.of(new Credentials(trimmed.substring(0, space).toLowerCase(Locale.ROOT),
                trimmed.substring(space + 1).strip()));
    }

    /** {@code base64(user:password)} (RFC 7617), or empty when it is not that or the user is empty. */
    Optional<Basic> basic() {
        if (!scheme.equals(BASIC)) {
            return Optional.empty();
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(decoded));
            char[] all = new char[chars.remaining()];
            chars.get(all);
            Arrays.fill(chars.array(), '\0');
            int colon = indexOf(all, ':');
            if (colon <= 0) {
                Arrays.fill(all, '\0');
                return Optional.empty();
            }
            String user = new String(all, 0, colon);
            char[] password = Arrays.copyOfRange(all, colon + 1, all.length);
            Arrays.fill(all, '\0');
            return Optional.of(new Basic(user, password));
        } catch (CharacterCodingException e) {
            return Optional.empty();
        } finally {
            Arrays.fill(decoded, (byte) 0);
        }
    }

    private static int indexOf(char[] chars, char c) {
        for (int i = 0; i < chars.length; i++) {
            if (chars[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
