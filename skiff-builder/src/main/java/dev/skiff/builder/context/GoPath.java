package dev.skiff.builder.context;

import java.util.ArrayList;
import java.util.List;

/** Go's {@code path.Clean} and {@code path.Dir} for slash-separated paths. */
final class GoPath {
    private GoPath() {
    }

    /**
     * The shortest equivalent path: repeated slashes and {@code .} elements removed, {@code ..}
     * removing the element before it (or dropped at the root), no trailing slash; "" is ".".
     */
    static String clean(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        boolean rooted = path.charAt(0) == '/';
        List<String> out = new ArrayList<>();
        for (String element : path.split("/")) {
            if (element.isEmpty() || element.equals(".")) {
                continue;
            }
            if (element.equals("..")) {
                if (!out.isEmpty() && !out.getLast().equals("..")) {
                    out.removeLast();
                } else if (!rooted) {
                    out.add("..");
                }
                continue;
            }
            out.add(element);
        }
        String joined = String.join("/", out);
        if (rooted) {
            return "/" + joined;
        }
        return joined.isEmpty() ? "." : joined;
    }

    /** All but the last element, cleaned; "." when there is no directory part. */
    static String dir(String path) {
        int slash = path.lastIndexOf('/');
        return clean(slash < 0 ? "" : path.substring(0, slash + 1));
    }
}
