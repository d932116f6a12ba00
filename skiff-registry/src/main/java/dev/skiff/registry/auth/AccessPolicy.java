package dev.skiff.registry.auth;

import dev.skiff.formats.RepositoryName;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Who may do what, Docker Hub style: user {@code alice} owns every repository under {@code alice/};
 * admins own everything. A public repository may be pulled by any user, and by anonymous callers when
 * {@code anonymousPull} is on; a private one (see {@code isPrivate}) by its owner and admins only, as if it
 * did not exist. The catalog lists names only, so it is open to whoever may pull; its handler leaves out the
 * private repositories the caller may not pull.
 */
public record AccessPolicy(Set<String> admins, boolean anonymousPull, Predicate<RepositoryName> isPrivate) {
    private static final Set<String> OWNER_ACTIONS =
            Set.of(ResourceScope.PULL, ResourceScope.PUSH, ResourceScope.DELETE, ResourceScope.ALL);
    private static final Set<String> READER_ACTIONS = Set.of(ResourceScope.PULL);
    private static final String CATALOG = "catalog";

    public AccessPolicy {
        admins = Set.copyOf(admins);
    }

    /** A policy under which every repository is public. */
    public AccessPolicy(Set<String> admins, boolean anonymousPull) {
        this(admins, anonymousPull, name -> false);
    }

    /** Whether {@code user} may push, delete and change settings of {@code name}: its owner or an admin. */
    public boolean isOwner(Optional<String> user, RepositoryName name) {
        return user.isPresent() && owns(user.get(), name);
    }

    public boolean isAdmin(Optional<String> user) {
        return user.isPresent() && admins.contains(user.get());
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
                RepositoryName name = RepositoryName.parse(resource.name());
                if (user.isPresent() && owns(user.get(), name)) {
                    yield OWNER_ACTIONS;
                }
                yield mayRead && !isPrivate.test(name) ? READER_ACTIONS : Set.of();
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
