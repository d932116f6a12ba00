/**
 * Container networking: what the runtime asks ({@link dev.skiff.engine.network.ContainerNetworking},
 * with {@link dev.skiff.engine.network.AttachRequest}, {@link dev.skiff.engine.network.PortBinding} and
 * {@link dev.skiff.engine.network.Attachment}), its implementation on the standard CNI plugins and
 * iptables ({@link dev.skiff.engine.network.CniNetworking}), and the networks users create
 * ({@link dev.skiff.engine.network.Networks}).
 *
 * <p>On disk: {@code <dataRoot>/network/networks/<id>.json} (one per network),
 * {@code <dataRoot>/network/endpoints/<containerId>.json} (the plugin chain and CNI result of each
 * attached container, which DEL needs), {@code <dataRoot>/network/ipam/<network>/} (host-local's leases);
 * {@code <execRoot>/netns/<containerId>} (the containers' namespaces, bind mounts).
 *
 * <p>On the host: one Linux bridge per network (the default one named by
 * {@link dev.skiff.engine.network.DefaultBridge}, user networks {@code skbr-<id prefix>}); per container a
 * veth pair and a lease, and with published ports portmap's rules, whose comments carry
 * {@code id: "<containerId>"}; per network, rules commented {@code skiff-net=<bridge>} (NAT, isolation,
 * forwarding), removed with the network; portmap's shared chains ({@code CNI-HOSTPORT-*}) stay, as the
 * plugins intend.
 */
package dev.skiff.engine.network;
