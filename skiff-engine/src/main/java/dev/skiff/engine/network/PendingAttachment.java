package dev.skiff.engine.network;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * An attach under way ({@link ContainerNetworking#attachInBackground}): the namespace the container
 * will run in is known (and exists) at once, so the runtime can create the container in it while the
 * CNI plugins still set up its interface; {@link #await} gives the finished attachment.
 *
 * @param netns the namespace to put in the OCI spec; empty for the host's network
 */
public record PendingAttachment(Optional<Path> netns, CompletableFuture<Attachment> attachment) {
    public PendingAttachment {
        Objects.requireNonNull(netns, "netns");
        Objects.requireNonNull(attachment, "attachment");
    }

    /** An attach that finished before it was returned. */
    public static PendingAttachment done(Attachment a) {
        return new PendingAttachment(a.netns(), CompletableFuture.completedFuture(a));
    }

    /**
     * The attachment once the plugins are done; throws the attach's own failure (after which nothing
     * of the attach is left, as with {@link ContainerNetworking#attach}).
     */
    public Attachment await() {
        try {
            return attachment.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetworkException("interrupted while waiting for the network attach", e);
        } catch (ExecutionException | CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new NetworkException("the network attach failed: " + e.getCause(), e.getCause());
        }
    }

    /** Waits for the attach to end, failed or not: before undoing it, nothing may still be adding to it. */
    public void awaitEnd() {
        try {
            await();
        } catch (RuntimeException e) {
            // the attach undid itself; its failure is reported by whoever awaits it
        }
    }
}
