package dev.skiff.engine.images;

import dev.skiff.formats.FormatException;

import java.util.regex.Pattern;

/**
 * A stand-in for skiff-formats' ImageReference (written on another branch) with just Docker's
 * normalization rules; the store takes any {@link ReferenceSyntax}, so the real one swaps in.
 */
final class TestReferences implements ReferenceSyntax {
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");

    @Override
    public String normalize(String text) {
        String name = text;
        String digest = null;
        int at = text.indexOf('@');
        if (at >= 0) {
            name = text.substring(0, at);
            digest = text.substring(at + 1);
            dev.skiff.formats.Digest.parse(digest);
        }
        String tag = null;
        int colon = name.lastIndexOf(':');
        if (colon > name.lastIndexOf('/')) {
            tag = name.substring(colon + 1);
            name = name.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw new FormatException("invalid reference format: " + text);
            }
        }
        String domain = "docker.io";
        int slash = name.indexOf('/');
        String first = slash < 0 ? "" : name.substring(0, slash);
        if (slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"))) {
            domain = first;
            name = name.substring(slash + 1);
        }
        if (!name.equals(name.toLowerCase(java.util.Locale.ROOT))) {
            throw new FormatException("invalid reference format: repository name must be lowercase");
        }
        for (String c : name.split("/", -1)) {
            if (!COMPONENT.matcher(c).matches()) {
                throw new FormatException("invalid reference format: " + text);
            }
        }
        if (domain.equals("docker.io") && !name.contains("/")) {
            name = "library/" + name;
        }
        String full = domain + "/" + name;
        if (tag != null) {
            full += ":" + tag;
        }
        if (digest != null) {
            full += "@" + digest;
        } else if (tag == null) {
            full += ":latest";
        }
        return full;
    }

    @Override
    public String familiar(String fullReference) {
        String s = fullReference;
        if (s.startsWith("docker.io/")) {
            s = s.substring("docker.io/".length());
            if (s.startsWith("library/") && s.indexOf('/', "library/".length()) < 0) {
                s = s.substring("library/".length());
            }
        }
        return s;
    }
}
