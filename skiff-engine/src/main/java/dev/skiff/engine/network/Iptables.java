package dev.skiff.engine.network;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The iptables rules Skiff itself writes (per bridge network, {@link #networkScript}), and the sweep that
 * removes every rule naming a container.
 *
 * <p>Why a sweep on top of CNI DEL: the bridge plugin (v1.1.1) tears down its masquerade chain only
 * when it can still read the container's address from the namespace, so after a reboot or a lost
 * namespace its {@code CNI-xxxx} chain would stay forever. Every per-container rule the plugins write
 * carries {@code id: "<containerId>"} in its comment, so deleting those rules (and the
 * per-container chains they jump to) leaves nothing of the container behind whatever state it is in.
 */
final class Iptables {
    /** Chains the plugins share between all containers; never removed by the sweep. */
    private static final Set<String> SHARED_CHAINS = Set.of("CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK",
            "CNI-HOSTPORT-MASQ", "CNI-HOSTPORT-SNAT", "CNI-FORWARD", "CNI-ADMIN");

    /**
     * Isolation spares connections to published ports (DNATed, and their replies): a container reaches
     * another network's container through the host's address and published port, as in docker.
     */
    private static final String NOT_PUBLISHED = " -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT";

    /** The comment of a network's rules, before its bridge's name. */
    private static final String NETWORK_COMMENT = "skiff-net=";

    /**
     * The rules of one bridge network, for all its containers at once, as dockerd keeps them per bridge:
     * installed when the first container joins, removed with the network, so a container's start and
     * stop run no iptables at all unless it publishes ports (portmap's DNAT). {@code saved} is
     * iptables-save's output: the network's rules already there (a previous daemon's, or an older
     * subnet's) are deleted in the same iptables-restore run, so the swap is atomic. In order:
     *
     * <ul>
     * <li>FORWARD, first: traffic within the bridge passes; to another Skiff bridge (the user networks'
     * {@code skbr-*}, and the default bridge from a user network) it is dropped, as docker isolates its
     * bridge networks, except connections to published ports (through the host's address) and their
     * replies; replies and published-port connections into the bridge pass, even under a FORWARD policy
     * of DROP (what dockerd sets); what leaves the bridge passes too, or for an internal network
     * nothing enters or leaves.</li>
     * <li>INPUT, first: portmap sets {@code route_localnet} on the bridge so that 127.0.0.1 can be DNATed
     * to a container; that also stops the host treating 127/8 arriving on the bridge as martian, so a
     * container could reach services the host binds to localhost only (Kubernetes' CVE-2020-8558,
     * mitigated the same way). Replies to the host's DNATed connections pass.</li>
     * <li>POSTROUTING (nat), appended, unless internal: what leaves the subnet for elsewhere than the
     * bridge is masqueraded, multicast aside, as the bridge plugin's ipMasq would per container.</li>
     * </ul>
     */
    static String networkScript(String saved, String bridge, String subnet, boolean internal, String defaultBridge) {
        String comment = " -m comment --comment \"" + NETWORK_COMMENT + bridge + "\"";
        List<String> forward = new ArrayList<>();
        forward.add("-i " + bridge + " -o " + bridge + comment + " -j ACCEPT");
        forward.add("-i " + bridge + " -o " + Networks.BRIDGE_PREFIX + "+" + NOT_PUBLISHED + comment + " -j DROP");
        if (!bridge.equals(defaultBridge)) {
            forward.add("-i " + bridge + " -o " + defaultBridge + NOT_PUBLISHED + comment + " -j DROP");
        }
        forward.add("-o " + bridge + " -m conntrack --ctstate RELATED,ESTABLISHED,DNAT" + comment + " -j ACCEPT");
        if (internal) {
            forward.add("-i " + bridge + comment + " -j DROP");
            forward.add("-o " + bridge + comment + " -j DROP");
        } else {
            forward.add("-i " + bridge + comment + " -j ACCEPT");
        }
        Map<String, List<String>> lines = removalLines(saved, networkMarker(bridge), Set.of());
        List<String> filter = lines.computeIfAbsent("filter", t -> new ArrayList<>());
        // Each inserted at the top, so inserted in reverse they read in the order above.
        for (String rule : forward.reversed()) {
            filter.add("-I FORWARD 1 " + rule);
        }
        filter.add("-I INPUT 1 -i " + bridge + " -d 127.0.0.0/8" + NOT_PUBLISHED + comment + " -j DROP");
        if (!internal) {
            lines.computeIfAbsent("nat", t -> new ArrayList<>())
                    .add("-A POSTROUTING -s " + subnet + " ! -o " + bridge + " ! -d 224.0.0.0/4" + comment + " -j MASQUERADE");
        }
        return render(lines);
    }

    /** What every rule of the network on {@code bridge} carries, as iptables-save prints it. */
    static String networkMarker(String bridge) {
        return "--comment \"" + NETWORK_COMMENT + bridge + "\"";
    }

    /** Runs an iptables-restore script without flushing the tables; {@code what} names it in the error. */
    static void restore(String what, String script) {
        if (script.isEmpty()) {
            return;
        }
        Commands.Outcome o = Commands.run(List.of("iptables-restore", "-w", "--noflush"), Map.of(),
                script.getBytes(StandardCharsets.UTF_8));
        if (!o.ok()) {
            throw new NetworkException("cannot change the iptables rules of " + what + ": " + o.complaint());
        }
    }

    /** Installs the rules of a bridge network ({@link #networkScript}), replacing any it had. */
    static void installNetwork(Network network, String defaultBridge) {
        String bridge = network.bridge().orElseThrow();
        restore("network " + network.name(), networkScript(Commands.check(List.of("iptables-save")).stdout(), bridge,
                network.subnet().orElseThrow(), network.internal(), defaultBridge));
    }

    /** Removes the rules of the network on {@code bridge}; quiet when there are none. */
    static void removeNetwork(String networkName, String bridge) {
        restore("network " + networkName, render(removalLines(Commands.check(List.of("iptables-save")).stdout(),
                networkMarker(bridge), Set.of())));
    }

    /** What every rule of the container carries in iptables-save's text (which escapes the quotes). */
    static String containerMarker(String containerId) {
        return "id: \\\"" + containerId + "\\\"";
    }

    /** What the rules of the container's endpoint on one network carry in iptables-save's text. */
    static String endpointMarker(String network, String containerId) {
        return "name: \\\"" + network + "\\\" " + containerMarker(containerId);
    }

    /**
     * Removes every rule whose comment holds {@code marker} ({@link #containerMarker} or
     * {@link #endpointMarker}), and the per-container chains they jump to.
     */
    static void removeRules(String containerId, String marker) {
        removeRules(containerId, marker, Set.of());
    }

    /**
     * As {@link #removeRules(String, String)}, and also removes the per-container chains named in
     * {@code orphans} when they are still there with nothing jumping to them: the bridge plugin's
     * masquerade chain is left behind empty when its DEL runs after the namespace is gone.
     */
    static void removeRules(String containerId, String marker, Set<String> orphans) {
        restore("container " + containerId, removalScript(Commands.check(List.of("iptables-save")).stdout(), marker, orphans));
    }

    /**
     * An iptables-restore script deleting the container's rules, from iptables-save's output. Rules are
     * deleted by their exact saved text, the per-container chains flushed and removed after the rules
     * that jump to them. Empty when there is nothing to remove.
     */
    static String removalScript(String saved, String marker) {
        return removalScript(saved, marker, Set.of());
    }

    static String removalScript(String saved, String marker, Set<String> orphans) {
        return render(removalLines(saved, marker, orphans));
    }

    /** The deletions of {@link #removalScript}, by table, in the order they run. */
    private static Map<String, List<String>> removalLines(String saved, String marker, Set<String> orphans) {
        Map<String, List<String>> rulesByTable = new LinkedHashMap<>();
        Map<String, Set<String>> chainsByTable = new LinkedHashMap<>();
        String table = null;
        for (String line : saved.split("\n")) {
            if (line.startsWith("*")) {
                table = line.substring(1).strip();
            } else if (table != null && line.startsWith(":") && orphans.contains(line.substring(1).split(" ")[0])
                    && !saved.contains("-j " + line.substring(1).split(" ")[0])) {
                rulesByTable.computeIfAbsent(table, t -> new ArrayList<>());
                chainsByTable.computeIfAbsent(table, t -> new LinkedHashSet<>()).add(line.substring(1).split(" ")[0]);
            } else if (table != null && line.startsWith("-A ") && line.contains(marker)) {
                rulesByTable.computeIfAbsent(table, t -> new ArrayList<>()).add(line);
                String target = jumpTarget(line);
                if (target != null && target.startsWith("CNI-") && !SHARED_CHAINS.contains(target)) {
                    chainsByTable.computeIfAbsent(table, t -> new LinkedHashSet<>()).add(target);
                }
            }
        }
        Map<String, List<String>> lines = new LinkedHashMap<>();
        for (var e : rulesByTable.entrySet()) {
            Set<String> chains = chainsByTable.getOrDefault(e.getKey(), Set.of());
            List<String> script = lines.computeIfAbsent(e.getKey(), t -> new ArrayList<>());
            for (String rule : e.getValue()) {
                String chain = rule.split(" ", 3)[1];
                if (!chains.contains(chain)) {
                    script.add("-D " + rule.substring(3));
                }
            }
            for (String chain : chains) {
                script.add("-F " + chain);
                script.add("-X " + chain);
            }
        }
        return lines;
    }

    /** An iptables-restore script of these lines by table; empty when there are none. */
    private static String render(Map<String, List<String>> lines) {
        StringBuilder script = new StringBuilder();
        lines.forEach((table, list) -> {
            if (!list.isEmpty()) {
                script.append('*').append(table).append('\n');
                list.forEach(l -> script.append(l).append('\n'));
                script.append("COMMIT\n");
            }
        });
        return script.toString();
    }

    /**
     * The chain names the CNI plugins give a container's own chains: {@code CNI-} (bridge's masquerade)
     * and {@code CNI-DN-} (portmap's DNAT) then the hex SHA-512 of network name and container ID, cut to
     * iptables' 28 characters.
     */
    static Set<String> pluginChains(String network, String containerId) {
        try {
            byte[] sum = java.security.MessageDigest.getInstance("SHA-512")
                    .digest((network + containerId).getBytes(StandardCharsets.UTF_8));
            String hex = java.util.HexFormat.of().formatHex(sum);
            return Set.of(("CNI-" + hex).substring(0, 28), ("CNI-DN-" + hex).substring(0, 28));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String jumpTarget(String rule) {
        int j = rule.lastIndexOf(" -j ");
        if (j < 0) {
            return null;
        }
        String rest = rule.substring(j + 4).strip();
        int space = rest.indexOf(' ');
        return space < 0 ? rest : rest.substring(0, space);
    }

    private Iptables() {
    }
}
