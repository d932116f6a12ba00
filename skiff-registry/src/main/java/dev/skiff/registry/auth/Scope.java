package dev.skiff.registry.auth;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the token {@code scope} grammar of distribution's {@code docs/spec/auth/scope.md}:
 * space-separated {@code type[(class)]:name:action[,action]*}, for example
 * {@code repository:alice/app:pull,push} or {@code registry:catalog:*}.
 *
 * <p>Scopes that do not parse are <em>ignored</em>, never rejected, as distribution's token server does
 * ("ignoring unsupported scope format"): the token endpoint answers what it can grant and leaves
 * refusing to the registry, which then names the scope it needs in its challenge. A resource name for
 * type {@code repository} must be a valid repository name, so names with a registry host
 * ({@code localhost:5000/alice/app}) are ignored too: clients send the name without the host.
 */
public final class Scope {
    /** Longer than any valid scope (a 255-character name plus type and actions): not worth parsing. */
    static final int MAX_LENGTH = 512;

    // The resource class, e.g. "(plugin)", is deprecated and ignored; see the spec's hint.
    private static final Pattern TYPE_AND_CLASS = Pattern.compile("([a-z0-9]+)(?:\\([a-z0-9]+\\))?");

    private Scope() {
    }

    /** The well-formed scopes in {@code scope}, in order; an empty list for null or blank input. */
    public static List<ResourceScope> parse(String scope) {
        List<ResourceScope> scopes = new ArrayList<>();
        if (scope == null) {
            return scopes;
        }
        for (String one : scope.split(" ")) {
            if (!one.isEmpty() && one.length() <= MAX_LENGTH) {
                parseOne(one).ifPresent(scopes::add);
            }
        }
        return scopes;
    }

    private static Optional<ResourceScope> parseOne(String scope) {
        // The name may hold one ':' (a registry host's port), so split at the first and last colon only.
        int first = scope.indexOf(':');
        int last = scope.lastIndexOf(':');
        if (first <= 0 || last == first) {
            return Optional.empty();
        }
        Matcher type = TYPE_AND_CLASS.matcher(scope.substring(0, first));
        if (!type.matches()) {
            return Optional.empty();
        }
        Set<String> actions = new LinkedHashSet<>();
        for (String action : scope.substring(last + 1).split(",")) {
            if (!action.isEmpty()) {
                actions.add(action);
            }
        }
        if (actions.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ResourceScope(type.group(1), scope.substring(first + 1, last), actions));
        } catch (AuthException e) {
            return Optional.empty();
        }
    }
}
