package dev.skiff.registry.store;

import java.time.Instant;
import java.util.Optional;

/** The last push of a tag through this registry: when, and by whom (empty: anonymous, or auth is off). */
public record TagPush(Instant at, Optional<String> by) {
}
