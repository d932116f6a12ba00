package dev.skiff.registry.store;

import java.time.Instant;
import java.util.Optional;

/**
 * What the registry knows about a repository beyond its content: a description, whether it is private,
 * and who created it when. A repository that was pushed to without being created first has none of this
 * stored and is public, as on Docker Hub.
 */
public record RepositoryInfo(String description, boolean isPrivate, Optional<String> createdBy, Instant created) {
    public static final int MAX_DESCRIPTION_LENGTH = 2000;

    public RepositoryInfo {
        description = description == null ? "" : description;
        createdBy = createdBy == null ? Optional.empty() : createdBy;
    }

    public RepositoryInfo withDescription(String newDescription) {
        return new RepositoryInfo(newDescription, isPrivate, createdBy, created);
    }

    public RepositoryInfo withPrivate(boolean newPrivate) {
        return new RepositoryInfo(description, newPrivate, createdBy, created);
    }
}
