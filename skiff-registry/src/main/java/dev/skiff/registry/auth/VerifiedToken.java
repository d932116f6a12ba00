package dev.skiff.registry.auth;

import java.util.List;
import java.util.Optional;

/** What a genuine, current token says: whose it is (empty: anonymous) and what it grants. */
public record VerifiedToken(Optional<String> subject, List<ResourceScope> access) {
    public VerifiedToken {
        access = List.copyOf(access);
    }
}
