package dev.skiff.daemon.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Engine API versions, and the {@code /v1.NN/} prefix docker puts on every path. */
record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {
    /** What this daemon speaks: the version of the reference traces (dockerd 20.10). */
    static final ApiVersion CURRENT = new ApiVersion(1, 41);
    static final ApiVersion MINIMUM = new ApiVersion(1, 12);

    private static final Pattern PREFIX = Pattern.compile("^/v(\\d{1,3})\\.(\\d{1,3})(/.*)$");

    /** A request path without its version prefix, and the version it asked for. */
    record Versioned(ApiVersion version, String path) {
    }

    /** Splits {@code /v1.41/images/json}; refuses versions outside [MINIMUM, CURRENT] as dockerd does. */
    static Versioned split(String path) {
        Matcher m = PREFIX.matcher(path);
        if (!m.matches()) {
            return new Versioned(CURRENT, path);
        }
        ApiVersion v = new ApiVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        if (v.compareTo(CURRENT) > 0) {
            throw ApiException.badRequest("client version " + v + " is too new. Maximum supported API version is " + CURRENT);
        }
        if (v.compareTo(MINIMUM) < 0) {
            throw ApiException.badRequest("client version " + v + " is too old. Minimum supported API version is " + MINIMUM
                    + ", please upgrade your client to a newer version");
        }
        return new Versioned(v, m.group(3));
    }

    @Override
    public int compareTo(ApiVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
