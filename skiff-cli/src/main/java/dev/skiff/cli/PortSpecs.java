package dev.skiff.cli;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * docker's {@code -p/--publish} and {@code --expose} values, parsed as go-connections' nat package does
 * ({@code [ip:][hostPort:]containerPort[/proto]}, ranges on either side), with its error messages word for
 * word, into the create body's {@code ExposedPorts} and {@code HostConfig.PortBindings}.
 */
final class PortSpecs {
    /** One host binding of a container port, as the API's PortBinding: empty strings mean "any". */
    record Binding(String hostIp, String hostPort) {
    }

    /** A container port ({@code 80/tcp}) and how the host reaches it. */
    record Mapping(String port, Binding binding) {
    }

    // IP literals only: an address that needs a DNS lookup is not an IP (and must not cost one)
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private PortSpecs() {
    }

    /** Parses one {@code -p} value into a mapping per container port. */
    static List<Mapping> parse(String raw) {
        String spec = raw.contains("=") ? fromLongSyntax(raw) : raw;
        String[] parts = spec.split(":", -1);
        int n = parts.length;
        String containerPort = parts[n - 1];
        String hostPort = n >= 2 ? parts[n - 2] : "";
        String ip = n == 3 ? parts[0] : n > 3 ? String.join(":", List.of(parts).subList(0, n - 2)) : "";
        String proto = "tcp";
        int slash = containerPort.indexOf('/');
        if (slash >= 0) {
            String given = containerPort.substring(slash + 1);
            String rest = given.indexOf('/') >= 0 ? given.substring(0, given.indexOf('/')) : given;
            proto = rest.isEmpty() ? "tcp" : rest;
            containerPort = containerPort.substring(0, slash);
        }
        if (!ip.isEmpty() && ip.charAt(0) == '[') {
            if (!ip.endsWith("]")) {
                throw new Cli.UserError("invalid IP address " + ip + ": address " + ip + ": missing ']' in address");
            }
            ip = ip.substring(1, ip.length() - 1);
        }
        if (!ip.isEmpty() && !isIp(ip)) {
            throw new Cli.UserError("invalid IP address: " + ip);
        }
        if (containerPort.isEmpty()) {
            throw new Cli.UserError("no port specified: " + raw + "<empty>");
        }
        int[] container = range(containerPort);
        if (container == null) {
            throw new Cli.UserError("invalid containerPort: " + containerPort);
        }
        int[] host = null;
        if (!hostPort.isEmpty()) {
            host = range(hostPort);
            if (host == null) {
                throw new Cli.UserError("invalid hostPort: " + hostPort);
            }
            if (container[1] - container[0] != host[1] - host[0] && container[1] != container[0]) {
                throw new Cli.UserError("invalid ranges specified for container and host Ports: " + containerPort + " and " + hostPort);
            }
        }
        proto = proto.toLowerCase(Locale.ROOT);
        if (!proto.equals("tcp") && !proto.equals("udp") && !proto.equals("sctp")) {
            throw new Cli.UserError("invalid proto: " + proto);
        }
        int count = container[1] - container[0] + 1;
        List<Mapping> mappings = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String hp = "";
            if (host != null) {
                hp = Integer.toString(host[0] + i);
                // one container port and a host range: the daemon picks a free port in the range
                if (count == 1 && host[0] != host[1]) {
                    hp += "-" + host[1];
                }
            }
            mappings.add(new Mapping((container[0] + i) + "/" + proto, new Binding(ip, hp)));
        }
        return mappings;
    }

    /** {@code --expose 80}, {@code 8000-8002/udp}: container ports exposed without a binding. */
    static List<String> parseExpose(String raw) {
        if (raw.contains(":")) {
            throw new Cli.UserError("invalid port format for --expose: " + raw);
        }
        int slash = raw.indexOf('/');
        String proto = slash >= 0 && slash < raw.length() - 1 ? raw.substring(slash + 1) : "tcp";
        String port = slash >= 0 ? raw.substring(0, slash) : raw;
        int[] r = range(port);
        if (r == null) {
            throw new Cli.UserError("invalid range format for --expose: " + raw + ", error: invalid port: " + port);
        }
        List<String> ports = new ArrayList<>();
        for (int p = r[0]; p <= r[1]; p++) {
            ports.add(p + "/" + proto);
        }
        return ports;
    }

    /** The create body's two maps, keyed and sorted as Go's JSON encoder writes a map. */
    record Published(Map<String, Object> exposedPorts, Map<String, List<Binding>> portBindings) {
    }

    static Published collect(List<String> publish, List<String> expose) {
        Map<String, Object> exposed = new TreeMap<>();
        Map<String, List<Binding>> bindings = new TreeMap<>();
        for (String p : publish) {
            for (Mapping m : parse(p)) {
                exposed.put(m.port(), Map.of());
                bindings.computeIfAbsent(m.port(), k -> new ArrayList<>()).add(m.binding());
            }
        }
        for (String e : expose) {
            for (String port : parseExpose(e)) {
                exposed.putIfAbsent(port, Map.of());
            }
        }
        return new Published(exposed, bindings);
    }

    // --publish target=80,published=8080,protocol=udp,host_ip=127.0.0.1: docker's long form
    private static String fromLongSyntax(String raw) {
        String target = "";
        String published = "";
        String protocol = "tcp";
        String hostIp = "";
        for (String field : raw.split(",")) {
            int eq = field.indexOf('=');
            String key = eq < 0 ? field : field.substring(0, eq).toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "" : field.substring(eq + 1);
            switch (key) {
                case "target" -> target = value;
                case "published" -> published = value;
                case "protocol" -> protocol = value;
                case "host_ip" -> hostIp = value;
                case "mode" -> {
                }
                default -> throw new Cli.UserError("invalid field key " + key + " in " + raw);
            }
        }
        return (hostIp.isEmpty() ? "" : (hostIp.contains(":") ? "[" + hostIp + "]" : hostIp) + ":") + published + ":" + target + "/" + protocol;
    }

    private static boolean isIp(String text) {
        if (!IP_LITERAL.matcher(text).matches()) {
            return false;
        }
        if (!text.contains(":") && text.split("\\.", -1).length != 4) {
            return false;
        }
        try {
            InetAddress.ofLiteral(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code 80} or {@code 8000-8002} as [start, end]; null when it is not a port or a range of ports. */
    private static int[] range(String text) {
        int dash = text.indexOf('-');
        int start = port(dash < 0 ? text : text.substring(0, dash));
        int end = dash < 0 ? start : port(text.substring(dash + 1));
        if (start < 0 || end < 0 || end < start) {
            return null;
        }
        return new int[] {start, end};
    }

    private static int port(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        int p = Integer.parseInt(text);
        return p <= 65535 ? p : -1;
    }
}
