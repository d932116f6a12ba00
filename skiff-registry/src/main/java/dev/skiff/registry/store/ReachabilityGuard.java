package dev.skiff.registry.store;

/**
 * Held while the store makes a blob reachable (links it, or writes a manifest that references it),
 * so a garbage collection running at the same time cannot delete the blob in between. The garbage
 * collector's lock provides it; {@link #NONE} is for stores nothing collects.
 */
@FunctionalInterface
public interface ReachabilityGuard {

    Held enter();

    /** A held guard; closing releases it. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    ReachabilityGuard NONE = () -> () -> { };
}
