package dev.skiff.registry.auth;

import dev.skiff.formats.RepositoryName;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One resource and the actions on it, as in a token's {@code access} claim or a {@code scope} parameter:
 * {@code repository:alice/app:pull,push}. A repository's name is a valid {@link RepositoryName}; other
 * names and every action are restricted to characters that need no quoting in a {@code WWW-Authenticate}
 * header. {@code actions} keeps its order (the challenge header repeats it) and may be empty: a token
 * lists a resource it was asked for even when nothing on it was granted.
 */
public record ResourceScope(String type, String name, Set<String> actions) {
    public static final String REPOSITORY = "repository";
    public static final String REGISTRY = "registry";
    public static final String PULL = "pull";
    public static final String PUSH = "push";
    public static final String DELETE = "delete";
    public static final String ALL = "*";

    private static final Pattern TYPE = Pattern.compile("[a-z0-9]+");
    private static final Pattern OTHER_NAME = Pattern.compile("[a-z0-9]+(?:[._-][a-z0-9]+)*");
    private static final Pattern ACTION = Pattern.compile("\\*|[a-z]+");

    public ResourceScope {
        if (type == null || !TYPE.matcher(type).matches()) {
            throw new AuthException("invalid resource type " + quote(type) + ": use lowercase letters and digits, e.g. repository");
        }
        if (type.equals(REPOSITORY) ? !RepositoryName.isValid(name) : name == null || !OTHER_NAME.matcher(name).matches()) {
            throw new AuthException("invalid " + type + " name " + quote(name));
        }
        if (actions == null) {
            throw new AuthException("no actions given for " + type + ":" + name);
        }
        for (String action : actions) {
            if (action == null || !ACTION.matcher(action).matches()) {
                throw new AuthException("invalid action " + quote(action) + " for " + type + ":" + name
                        + ": use pull, push, delete or *");
            }
        }
        actions = Collections.unmodifiableSet(new LinkedHashSet<>(actions));
    }

    /** The scope a request on repository {@code name} needs, e.g. {@code repository(name, "pull", "push")}. */
    public static ResourceScope repository(RepositoryName name, String... actions) {
        return new ResourceScope(REPOSITORY, name.value(), new LinkedHashSet<>(List.of(actions)));
    }

    /** The scope grammar's form, {@code repository:alice/app:pull,push}, as a challenge header carries it. */
    @Override
    public String toString() {
        return type + ":" + name + ":" + String.join(",", actions);
    }

    private static String quote(String s) {
        if (s == null) {
            return "(none)";
        }
        return "\"" + (s.length() > 80 ? s.substring(0, 80) + "..." : s) + "\"";
    }
}
