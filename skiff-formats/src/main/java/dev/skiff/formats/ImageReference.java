package dev.skiff.formats;

import java.util.Locale;
import java.util.Optional;

/**
 * An image reference as the Docker CLI reads it: {@code [domain/]path[:tag][@digest]}, always held in
 * normalized form, so {@code busybox} is {@code docker.io/library/busybox}.
 *
 * <p>{@link #parse} follows distribution/reference's {@code ParseNormalizedNamed}: the first
 * {@code /}-separated component names a registry only when it is {@code localhost}, contains {@code .} or
 * {@code :}, or has upper case; {@code index.docker.io} is Docker Hub under its old name; a Docker Hub
 * repository without a namespace lives in {@code library/}. A reference may carry both a tag and a digest.
 *
 * <p>The constructor accepts only the normalized form, so {@code parse(ref.toString())} gives back
 * {@code ref}.
 */
public record ImageReference(String domain, String path, Optional<Tag> tag, Optional<Digest> digest) {

    /** Docker Hub's name in references. */
    public static final String DOCKER_HUB = "docker.io";

    // Docker Hub's name in the days of the v1 "index"; references still use it.
    private static final String LEGACY_DOCKER_HUB = "index.docker.io";
    // The host that serves Docker Hub's /v2/ API: docker.io itself only redirects.
    private static final String DOCKER_HUB_API_HOST = "registry-1.docker.io";
    private static final String OFFICIAL_NAMESPACE = "library/";
    private static final String LOCALHOST = "localhost";

    private static final String PATH_RULES = "a repository path is /-separated components of lowercase letters and"
            + " digits, joined inside a component by one '.', one or two '_', or any number of '-'";

    public ImageReference {
        if (domain == null || path == null || tag == null || digest == null) {
            throw new FormatException("an image reference needs a domain, a path and an (optionally empty)"
                    + " tag and digest");
        }
        String hostProblem = hostProblem(domain);
        if (hostProblem != null) {
            throw new FormatException("invalid registry " + quote(domain) + ": " + hostProblem);
        }
        if (!looksLikeDomain(domain)) {
            throw new FormatException("registry " + quote(domain) + " would be read as a Docker Hub namespace:"
                    + " a registry contains '.' or ':', or is localhost");
        }
        if (domain.equals(LEGACY_DOCKER_HUB)) {
            throw new FormatException("use " + DOCKER_HUB + " rather than " + LEGACY_DOCKER_HUB
                    + " as the registry of a normalized reference");
        }
        String pathProblem = pathProblem(path);
        if (pathProblem != null) {
            throw new FormatException("invalid repository path " + quote(path) + ": " + pathProblem);
        }
        if (domain.equals(DOCKER_HUB) && path.indexOf('/') < 0) {
            throw new FormatException("Docker Hub repository " + quote(path) + " needs a namespace: official"
                    + " images are " + OFFICIAL_NAMESPACE + path);
        }
    }

    /**
     * Parses a reference as {@code docker pull} does, normalizing familiar names:
     * {@code busybox} becomes {@code docker.io/library/busybox}, {@code alice/app} becomes
     * {@code docker.io/alice/app}. No default tag is added; see {@link #withDefaultTag()}.
     *
     * @throws FormatException saying what is wrong with {@code text}
     */
    public static ImageReference parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new FormatException("invalid reference format: the image reference is empty;"
                    + " give a name such as busybox or alice/app:1.0");
        }
        if (isImageId(text)) {
            throw new FormatException("invalid repository name (" + text + "), cannot specify 64-byte"
                    + " hexadecimal strings: that is an image ID, not a name");
        }

        // Neither names nor tags contain '@', and digests contain no '@' either.
        String rest = text;
        String digestText = null;
        int at = text.indexOf('@');
        if (at >= 0) {
            rest = text.substring(0, at);
            digestText = text.substring(at + 1);
        }
        // A ':' after the last '/' starts the tag: a port only ever comes before the first '/'.
        String name = rest;
        String tagText = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            name = rest.substring(0, colon);
            tagText = rest.substring(colon + 1);
        }
        if (name.isEmpty()) {
            throw invalid(text, "it has no repository name before the " + (tagText != null ? "tag" : "digest"));
        }

        String domain;
        String path;
        int slash = name.indexOf('/');
        String first = slash < 0 ? name : name.substring(0, slash);
        if (slash < 0) {
            // A single component is always a Docker Hub name, even "localhost" or "example.com": as in Docker.
            domain = DOCKER_HUB;
            path = name;
        } else if (first.equals(LEGACY_DOCKER_HUB)) {
            domain = DOCKER_HUB;
            path = name.substring(slash + 1);
        } else if (looksLikeDomain(first)) {
            domain = first;
            path = name.substring(slash + 1);
        } else {
            domain = DOCKER_HUB;
            path = name;
        }
        if (domain.equals(DOCKER_HUB) && path.indexOf('/') < 0) {
            path = OFFICIAL_NAMESPACE + path;
        }

        String hostProblem = hostProblem(domain);
        if (hostProblem != null) {
            throw invalid(text, "registry " + quote(domain) + " is not a host name, IPv4 address or [IPv6]"
                    + " address with an optional :port: " + hostProblem);
        }
        if (!path.toLowerCase(Locale.ROOT).equals(path)) {
            throw invalid(text, "repository name must be lowercase (" + quote(path) + ")");
        }
        String pathProblem = pathProblem(path);
        if (pathProblem != null) {
            throw invalid(text, "repository name " + quote(path) + ": " + pathProblem);
        }

        Optional<Tag> tag = Optional.empty();
        if (tagText != null) {
            if (tagText.isEmpty()) {
                throw invalid(text, "it ends its name with ':' but gives no tag; drop the ':' or add a tag");
            }
            if (!Tag.isValid(tagText)) {
                throw invalid(text, "tag " + quote(tagText) + " is not 1 to 128 letters, digits, _ . or -"
                        + " starting with a letter, digit or _");
            }
            tag = Optional.of(new Tag(tagText));
        }

        Optional<Digest> digest = Optional.empty();
        if (digestText != null) {
            if (digestText.isEmpty()) {
                throw invalid(text, "'@' is not followed by a digest such as sha256:<64 hex characters>");
            }
            try {
                digest = Optional.of(Digest.parse(digestText));
            } catch (FormatException e) {
                throw new FormatException("invalid reference format " + quote(text) + ": " + e.getMessage(), e);
            }
        }
        return new ImageReference(domain, path, tag, digest);
    }

    /** This reference with the tag {@code latest} if it has neither tag nor digest (Docker's {@code TagNameOnly}). */
    public ImageReference withDefaultTag() {
        if (tag.isPresent() || digest.isPresent()) {
            return this;
        }
        return new ImageReference(domain, path, Optional.of(Tag.LATEST), digest);
    }

    /** The full repository name, {@code domain/path}: {@code docker.io/library/busybox}. */
    public String repository() {
        return domain + "/" + path;
    }

    /** The path as the distribution API names a repository, in {@code /v2/<name>/...}. */
    public RepositoryName repositoryPath() {
        return new RepositoryName(path);
    }

    /**
     * The host to send registry API requests to: Docker Hub's API lives on {@code registry-1.docker.io};
     * every other registry is its own domain, port included.
     */
    public String registryHost() {
        return domain.equals(DOCKER_HUB) ? DOCKER_HUB_API_HOST : domain;
    }

    /**
     * The name as Docker shows it: {@code docker.io/} is dropped, and so is {@code library/} when nothing
     * is nested below it ({@code busybox}, {@code alice/app}, {@code library/a/b}, {@code quay.io/x/y}).
     */
    public String familiarName() {
        if (!domain.equals(DOCKER_HUB)) {
            return repository();
        }
        if (path.startsWith(OFFICIAL_NAMESPACE) && path.indexOf('/', OFFICIAL_NAMESPACE.length()) < 0) {
            return path.substring(OFFICIAL_NAMESPACE.length());
        }
        return path;
    }

    /** The familiar name with the tag and digest, as Docker prints a reference: {@code busybox:latest}. */
    public String familiarString() {
        return withSuffixes(familiarName());
    }

    /** The full normalized form, {@code docker.io/library/busybox:latest}. */
    @Override
    public String toString() {
        return withSuffixes(repository());
    }

    private String withSuffixes(String name) {
        StringBuilder s = new StringBuilder(name);
        tag.ifPresent(t -> s.append(':').append(t.value()));
        digest.ifPresent(d -> s.append('@').append(d));
        return s.toString();
    }

    // What Docker takes for a registry rather than a namespace in a reference's first component.
    private static boolean looksLikeDomain(String first) {
        return first.equals(LOCALHOST) || first.indexOf('.') >= 0 || first.indexOf(':') >= 0
                || !first.toLowerCase(Locale.ROOT).equals(first);
    }

    // Docker's grammar for a registry: host [":" digits], where host is dot-separated labels of letters,
    // digits and inner '-', or a bracketed IPv6 address of hex digits and ':' (no zone, no embedded IPv4).
    // Written out by hand rather than as a regex, whose backtracking on labels is quadratic.
    private static String hostProblem(String domain) {
        String host = domain;
        if (domain.startsWith("[")) {
            int close = domain.indexOf(']');
            if (close < 0) {
                return "an IPv6 address needs a closing ']'";
            }
            host = domain.substring(0, close + 1);
            String address = domain.substring(1, close);
            if (address.isEmpty() || !address.chars().allMatch(c -> isHex(c) || c == ':')) {
                return "an IPv6 address in [] is hex digits and ':' only";
            }
        } else {
            int colon = domain.indexOf(':');
            if (colon >= 0) {
                host = domain.substring(0, colon);
            }
            for (String label : host.split("\\.", -1)) {
                if (label.isEmpty() || !isAlnum(label.charAt(0)) || !isAlnum(label.charAt(label.length() - 1))
                        || !label.chars().allMatch(c -> isAlnum(c) || c == '-')) {
                    return "each dot-separated label is letters, digits and inner '-'";
                }
            }
        }
        String port = domain.substring(host.length());
        if (!port.isEmpty() && (port.length() == 1 || port.charAt(0) != ':'
                || !port.substring(1).chars().allMatch(c -> c >= '0' && c <= '9'))) {
            return "a port is ':' followed by digits";
        }
        return null;
    }

    private static String pathProblem(String path) {
        if (path.length() > RepositoryName.MAX_LENGTH) {
            return "repository name must not be more than " + RepositoryName.MAX_LENGTH + " characters (it has "
                    + path.length() + ")";
        }
        return RepositoryName.isValid(path) ? null : PATH_RULES;
    }

    private static boolean isImageId(String text) {
        return text.length() == 64 && text.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    private static boolean isAlnum(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static boolean isHex(int c) {
        return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9');
    }

    private static FormatException invalid(String text, String reason) {
        return new FormatException("invalid reference format " + quote(text) + ": " + reason);
    }

    private static String quote(String s) {
        return "\"" + (s.length() > 100 ? s.substring(0, 100) + "..." : s) + "\"";
    }
}
