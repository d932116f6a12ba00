package dev.skiff.engine.network;

import java.util.List;

/** What the container runtime asks of networking. Implemented by {@link CniNetworking} (CNI plugins + iptables). */
public interface ContainerNetworking {
    /**
     * Gives the container its network before its process starts: a new network namespace (bind-mounted so
     * it outlives processes), attached to the network the mode names, with its ports published. Mode
     * "host" returns an Attachment whose netns is empty (the container shares the host's network); "none"
     * gives a namespace with loopback only. On failure nothing is left behind (no netns, veth, IP lease,
     * iptables rule) and a NetworkException says what is wrong in docker's words.
     */
    Attachment attach(AttachRequest request);

    /**
     * Attach, with the slow part (the CNI plugins) left running: returns once the namespace exists and
     * its ports are reserved, so the runtime can create the container in it meanwhile. Failures known
     * at once are thrown here; later ones come from {@link PendingAttachment#await}. This default
     * attaches at once.
     */
    default PendingAttachment attachInBackground(AttachRequest request) {
        return PendingAttachment.done(attach(request));
    }

    /** Undoes attach for this container: ports, CNI DEL, IP lease, netns. Idempotent; quiet if already gone. */
    void detach(String containerId);

    /**
     * Detach, taken off the caller's critical path: when this returns the container is off its networks
     * as far as anyone can see (no attachment, no names); the CNI DEL of its plugins, its rules and its
     * namespace may still be removed afterwards, on another thread. A later attach of the same
     * container, and {@link #awaitDetaches}, wait for it. An implementation that cannot do better
     * detaches at once, as this default does.
     */
    default void detachInBackground(String containerId) {
        detach(containerId);
    }

    /** Returns once every {@link #detachInBackground} begun before has finished (or failed and been logged). */
    default void awaitDetaches() {
    }

    /**
     * The name of the network {@code ref} (a name, ID or unique ID prefix) means.
     *
     * @throws NetworkException {@code network x not found}
     */
    default String networkName(String ref) {
        throw new NetworkException("network " + ref + " not found");
    }

    /** {@code docker network connect}: the attached container joins a further network, under these aliases too. */
    default Attachment connect(String containerId, String network, List<String> aliases) {
        throw new NetworkException("this engine's networking joins no further networks");
    }

    /** Every network the container is on: the one it was attached to first, then those it was connected to. */
    default List<Attachment> attachments(String containerId) {
        return List.of();
    }

    /** {@code docker rename} of an attached container: other containers resolve it by its new name. */
    default void renamed(String containerId, String oldName, String newName) {
    }

    /** {@code docker network disconnect} of a network joined with {@link #connect}. */
    default void disconnect(String containerId, String network) {
        throw new NetworkException("container " + containerId + " is not connected to network " + network);
    }
}
