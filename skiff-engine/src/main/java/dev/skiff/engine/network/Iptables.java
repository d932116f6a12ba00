package dev.skiff.engine.network;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The iptables rules Skiff itself writes, and the sweep that removes every rule naming a container.
 *
 * <p>Why a sweep on top of CNI DEL: the bridge plugin (v1.1.1) tears down its masquerade chain only
 * when it can still read the container's address from the namespace, so after a reboot or a lost
 * namespace its {@code CNI-xxxx} chain would stay forever. Every per-container rule the plugins and
 * Skiff write carries {@code id: "<containerId>"} in its comment, so deleting those rules (and the
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

    /** The firewall plugin's chain for administrators' rules, consulted before its own per-IP rules. */
    static final String ADMIN_CHAIN = "CNI-ADMIN";

    /**
     * Skiff's own rules for one endpoint, as one iptables-restore script, so they go in together or not
     * at all, in one process instead of one per rule. All in the filter table:
     *
     * <ul>
     * <li>Isolation, first in CNI-ADMIN (which CNI-FORWARD consults before the firewall plugin's
     * per-address accepts): forwarded traffic from the container's bridge to another Skiff bridge (the
     * user networks' {@code skbr-*} and the default bridge) is dropped, as docker isolates its bridge
     * networks; traffic within the bridge returns to the firewall plugin's rules. Connections to
     * published ports (through the host's address) still cross, as they do in docker.</li>
     * <li>Published ports, accepted in CNI-ADMIN: the firewall plugin accepts only traffic from the
     * container and replies to it, but a new connection from another host to a published port is
     * forwarded too, and a FORWARD policy of DROP (what dockerd sets) would drop it.</li>
     * <li>Localnet, first in INPUT: portmap sets {@code route_localnet} on the bridge so that 127.0.0.1
     * can be DNATed to a container; that also stops the host treating 127/8 arriving on the bridge as
     * martian, so a container could reach services the host binds to localhost only (Kubernetes'
     * CVE-2020-8558, mitigated the same way). Replies to the host's DNATed connections pass.</li>
     * </ul>
     */
    static String endpointScript(String containerId, String network, String ip, String bridge, String defaultBridge,
                                 List<PortBinding> published) {
        List<String> isolation = new ArrayList<>();
        isolation.add("-i " + bridge + " -o " + bridge + " -m comment --comment %s -j RETURN");
        isolation.add("-i " + bridge + " -o " + Networks.BRIDGE_PREFIX + "+" + NOT_PUBLISHED + " -m comment --comment %s -j DROP");
        if (!bridge.equals(defaultBridge)) {
            isolation.add("-i " + bridge + " -o " + defaultBridge + NOT_PUBLISHED + " -m comment --comment %s -j DROP");
        }
        StringBuilder script = new StringBuilder("*filter\n");
        // Each inserted at the top, so inserted in reverse they read in the order above.
        for (String rule : isolation.reversed()) {
            script.append("-I ").append(ADMIN_CHAIN).append(" 1 ")
                    .append(rule.formatted(quoted(comment("skiff isolation", network, containerId)))).append('\n');
        }
        for (PortBinding p : published) {
            script.append("-A ").append(ADMIN_CHAIN).append(" -d ").append(ip).append("/32 -p ").append(p.protocol())
                    .append(" -m ").append(p.protocol()).append(" --dport ").append(p.containerPort())
                    .append(" -m comment --comment ").append(quoted(comment("skiff published", network, containerId)))
                    .append(" -j ACCEPT\n");
        }
        script.append("-I INPUT 1 -i ").append(bridge).append(" -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT")
                .append(" -m comment --comment ").append(quoted(comment("skiff localnet", network, containerId)))
                .append(" -j DROP\n");
        script.append("COMMIT\n");
        return script.toString();
    }

    /** Installs an {@link #endpointScript}. CNI-ADMIN exists by then: the firewall plugin made it. */
    static void install(String containerId, String script) {
        Commands.Outcome o = Commands.run(List.of("iptables-restore", "-w", "--noflush"), Map.of(),
                script.getBytes(StandardCharsets.UTF_8));
        if (!o.ok()) {
            throw new NetworkException("cannot add the iptables rules of container " + containerId + ": " + o.complaint());
        }
    }

    /** A comment as iptables-save writes it and iptables-restore reads it: in quotes, inner quotes escaped. */
    private static String quoted(String comment) {
        return "\"" + comment.replace("\"", "\\\"") + "\"";
    }

    /** The plugins' own comment shape ({@code name: "<network>" id: "<containerId>"}), so one sweep finds all. */
    private static String comment(String what, String network, String containerId) {
        return what + " name: \"" + network + "\" id: \"" + containerId + "\"";
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
        String script = removalScript(Commands.check(List.of("iptables-save")).stdout(), marker, orphans);
        if (script.isEmpty()) {
            return;
        }
        Commands.Outcome o = Commands.run(List.of("iptables-restore", "-w", "--noflush"), Map.of(),
                script.getBytes(StandardCharsets.UTF_8));
        if (!o.ok()) {
            throw new NetworkException("cannot remove the iptables rules of container " + containerId + ": "
                    + o.complaint());
        }
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
        StringBuilder script = new StringBuilder();
        for (var e : rulesByTable.entrySet()) {
            Set<String> chains = chainsByTable.getOrDefault(e.getKey(), Set.of());
            script.append('*').append(e.getKey()).append('\n');
            for (String rule : e.getValue()) {
                String chain = rule.split(" ", 3)[1];
                if (!chains.contains(chain)) {
                    script.append("-D ").append(rule.substring(3)).append('\n');
                }
            }
            for (String chain : chains) {
                script.append("-F ").append(chain).append('\n');
                script.append("-X ").append(chain).append('\n');
            }
            script.append("COMMIT\n");
        }
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
