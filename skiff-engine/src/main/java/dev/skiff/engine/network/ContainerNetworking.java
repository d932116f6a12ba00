package dev.skiff.engine.network;

/** What the container runtime asks of networking. Implemented by CniNetworking (CNI plugins + iptables). */
public interface ContainerNetworking {
    /**
     * Gives the container its network before its process starts: a new network namespace (bind-mounted so
     * it outlives processes), attached to the network the mode names, with its ports published. Mode
     * "host" returns an Attachment whose netns is empty (the container shares the host's network); "none"
     * gives a namespace with loopback only. On failure nothing is left behind (no netns, veth, IP lease,
     * iptables rule) and a NetworkException says what is wrong in docker's words.
     */
    Attachment attach(AttachRequest request);

    /** Undoes attach for this container: ports, CNI DEL, IP lease, netns. Idempotent; quiet if already gone. */
    void detach(String containerId);
}
