package dev.skiff.registry.auth;

import dev.skiff.formats.RepositoryName;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Who may do what, Docker Hub style: user {@code alice} owns every repository under {@code alice/};
 * admins own everything; every repository is public, so any user may pull it, and so may anonymous
 * callers when {@code anonymousPull} is on. The catalog lists names only, so it is open to whoever may pull.
 */
public record AccessPolicy(Set<String> admins, boolean anonymousPull) {
    private static final Set<String> OWNER_ACTIONS =
            Set.of(ResourceScope.PULL, ResourceScope.PUSH, ResourceScope.DELETE, ResourceScope.ALL);
    private static final Set<String> READER_ACTIONS = Set.of(ResourceScope.PULL);
    private static final String CATALOG = "catalog";

    public AccessPolicy {
        admins = Set.copyOf(admins);
    }

    /**
     * The actions of {@code requested} that {@code user} (empty: anonymous) is allowed, in the requested
     * order. {@code *} stands for every action and is granted only to whoever may do everything.
     */
    public Set<String> grant(Optional<String> user, ResourceScope requested) {
        Set<String> allowed = allowed(user, requested);
        Set<String> granted = new LinkedHashSet<>(requested.actions());
        granted.retainAll(allowed);
        return granted;
    }

    private Set<String> allowed(Optional<String> user, ResourceScope resource) {
        boolean mayRead = user.isPresent() || anonymousPull;
        return switch (resource.type()) {
            case ResourceScope.REPOSITORY -> {
                if (user.isPresent() && owns(user.get(), RepositoryName.parse(resource.name()))) {
                    yield OWNER_ACTIONS;
                }
                yield mayRead ? READER_ACTIONS : Set.of();
            }
            case ResourceScope.REGISTRY ->
                    resource.name().equals(CATALOG) && mayRead ? Set.of(ResourceScope.ALL) : Set.of();
            default -> Set.of();
        };
    }

    private boolean owns(String user, RepositoryName name) {
        // A top-level name ("alice") has no namespace: only admins may write it, even if it equals a user.
        return admins.contains(user) || (name.hasNamespace() && name.namespace().equals(user));
    }
}
