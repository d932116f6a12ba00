package dev.skiff.formats;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest as the OCI image spec defines it: {@code algorithm ":" encoded}.
 * Only the registered algorithms {@code sha256} and {@code sha512} are accepted, with their exact
 * lowercase-hex lengths, so a digest is always safe to use as a path component.
 */
public record Digest(Algorithm algorithm, String encoded) implements Comparable<Digest> {

    /** The registered digest algorithms. */
    public enum Algorithm {
        SHA256("sha256", "SHA-256", 64),
        SHA512("sha512", "SHA-512", 128);

        private final String id;
        private final String jcaName;
        private final int hexLength;

        Algorithm(String id, String jcaName, int hexLength) {
            this.id = id;
            this.jcaName = jcaName;
            this.hexLength = hexLength;
        }

        public String id() {
            return id;
        }

        public int hexLength() {
            return hexLength;
        }

        public MessageDigest newMessageDigest() {
            try {
                return MessageDigest.getInstance(jcaName);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK lacks " + jcaName, e);
            }
        }

        static Algorithm byId(String id) {
            for (Algorithm a : values()) {
                if (a.id.equals(id)) {
                    return a;
                }
            }
            return null;
        }
    }

    // image-spec descriptor.md: algorithm-component (algorithm-separator algorithm-component)* ":" encoded
    private static final Pattern GRAMMAR =
            Pattern.compile("[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");
    private static final Pattern LOWER_HEX = Pattern.compile("[a-f0-9]+");

    public Digest {
        if (algorithm == null || encoded == null) {
            throw new InvalidDigestException("a digest needs an algorithm and an encoded value");
        }
        if (encoded.length() != algorithm.hexLength() || !LOWER_HEX.matcher(encoded).matches()) {
            throw new InvalidDigestException(
                    "a " + algorithm.id() + " digest is " + algorithm.hexLength() + " lowercase hex characters");
        }
    }

    /** Parses {@code sha256:<64 hex>} or {@code sha512:<128 hex>}; anything else is refused. */
    public static Digest parse(String text) {
        if (text == null || text.length() > 200 || !GRAMMAR.matcher(text).matches()) {
            throw new InvalidDigestException("invalid digest " + quote(text)
                    + ": expected algorithm:hex, for example sha256:<64 hex characters>");
        }
        int colon = text.indexOf(':');
        Algorithm algorithm = Algorithm.byId(text.substring(0, colon));
        if (algorithm == null) {
            throw new InvalidDigestException("unsupported digest algorithm " + quote(text.substring(0, colon))
                    + ": use sha256 or sha512");
        }
        return new Digest(algorithm, text.substring(colon + 1));
    }

    /** True if {@code text} is a digest this class accepts. */
    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (InvalidDigestException e) {
            return false;
        }
    }

    public static Digest of(Algorithm algorithm, byte[] hash) {
        return new Digest(algorithm, HexFormat.of().formatHex(hash));
    }

    public static Digest sha256(byte[] content) {
        return of(Algorithm.SHA256, Algorithm.SHA256.newMessageDigest().digest(content));
    }

    public static Digest compute(Algorithm algorithm, byte[] content) {
        return of(algorithm, algorithm.newMessageDigest().digest(content));
    }

    /** True when {@code content} hashes to this digest with this digest's algorithm. */
    public boolean matches(byte[] content) {
        return equals(compute(algorithm, content));
    }

    @Override
    public String toString() {
        return algorithm.id() + ":" + encoded;
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }

    private static String quote(String s) {
        if (s == null) {
            return "(none)";
        }
        return "\"" + (s.length() > 80 ? s.substring(0, 80) + "..." : s) + "\"";
    }
}
