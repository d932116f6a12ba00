package dev.skiff.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.engine.containers.ContainerEngine;
import dev.skiff.engine.network.Attachment;
import dev.skiff.engine.network.CniNetworking;
import dev.skiff.engine.network.Network;
import dev.skiff.engine.network.NetworkException;
import dev.skiff.engine.network.NetworkSpec;
import dev.skiff.http.Exchange;
import io.netty.handler.codec.http.HttpMethod;

import java.io.IOException;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Engine API's {@code /networks} routes (list, inspect, create, remove, prune) with docker's
 * fields, as {@code docker network} and Testcontainers (which inspects "bridge" to find the host's
 * address) read them. Connect and disconnect work on running containers and on those that do not run
 * (they join at their next start); the network a container was started on stays until it stops, as
 * its default route lives there.
 */
final class NetworksApi {
    private static final Set<String> FILTERS = Set.of("name", "id", "driver", "label", "type", "scope");
    private final ContainerEngine containers;
    private volatile CniNetworking networking;

    NetworksApi(ContainerEngine containers) {
        this.containers = containers;
    }

    void use(CniNetworking networking) {
        this.networking = networking;
    }

    boolean route(Exchange ex, String path) throws InterruptedException {
        if (!path.equals("/networks") && !path.startsWith("/networks/")) {
            return false;
        }
        CniNetworking net = networking;
        if (net == null) {
            throw new ApiException(501, "this daemon runs without networking; networks are not available");
        }
        HttpMethod m = ex.method();
        String rest = path.equals("/networks") ? "" : path.substring("/networks/".length());
        try {
            switch (rest) {
                case "" -> {
                    EngineApi.allow(m, HttpMethod.GET);
                    Filters filters = Filters.parse(ex.query("filters"), FILTERS);
                    ArrayNode out = EngineApi.JSON.createArrayNode();
                    for (Network n : net.networks().list()) {
                        if (matches(n, filters)) {
                            out.add(describe(n, net, false));
                        }
                    }
                    EngineApi.sendJson(ex, 200, out);
                }
                case "create" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    create(ex, net);
                }
                case "prune" -> {
                    EngineApi.allow(m, HttpMethod.POST);
                    ArrayNode deleted = EngineApi.JSON.createArrayNode();
                    for (Network n : net.networks().list()) {
                        if (!n.predefined() && net.attachmentsOn(n.id()).isEmpty() && !usedByContainers(n)) {
                            net.networks().remove(n.id());
                            deleted.add(n.name());
                        }
                    }
                    ObjectNode body = EngineApi.JSON.createObjectNode();
                    body.set("NetworksDeleted", deleted);
                    EngineApi.sendJson(ex, 200, body);
                }
                default -> {
                    int slash = rest.indexOf('/');
                    String ref = slash < 0 ? rest : rest.substring(0, slash);
                    String action = slash < 0 ? "" : rest.substring(slash + 1);
                    Network n = net.networks().find(ref).orElseThrow(() -> ApiException.notFound("network " + ref + " not found"));
                    switch (action) {
                        case "" -> {
                            if (m.equals(HttpMethod.DELETE)) {
                                if (usedByContainers(n)) {
                                    throw ApiException.conflict("error while removing network: network " + n.name() + " id " + n.id()
                                            + " has active endpoints");
                                }
                                net.networks().remove(n.id());
                                ex.send(204, Map.of(), new byte[0], "text/plain");
                            } else {
                                EngineApi.allow(m, HttpMethod.GET);
                                EngineApi.sendJson(ex, 200, describe(n, net, true));
                            }
                        }
                        case "connect", "disconnect" -> {
                            EngineApi.allow(m, HttpMethod.POST);
                            JsonNode body = readJson(ex);
                            dev.skiff.engine.containers.Container c = containers.get(body.path("Container").asText(""));
                            if (action.equals("connect")) {
                                List<String> aliases = new java.util.ArrayList<>();
                                body.path("EndpointConfig").path("Aliases").forEach(a -> aliases.add(a.asText()));
                                containers.connect(c.id(), n.name(), aliases);
                            } else {
                                containers.disconnect(c.id(), n.name());
                            }
                            ex.send(200, Map.of(), new byte[0], "text/plain; charset=utf-8");
                        }
                        default -> {
                            return false;
                        }
                    }
                }
            }
            return true;
        } catch (NetworkException e) {
            String msg = e.getMessage();
            int status = msg.contains("not found") ? 404 : msg.contains("already exists") || msg.contains("active endpoints")
                    || msg.contains("pre-defined") ? 409 : 400;
            if (msg.contains("pre-defined")) {
                status = 403;
            }
            throw new ApiException(status, msg);
        } catch (dev.skiff.engine.containers.ContainerException.NotFound e) {
            throw ApiException.notFound(e.getMessage());
        } catch (dev.skiff.engine.containers.ContainerException.HostFailure e) {
            throw new ApiException(500, e.getMessage());
        }
    }

    /** Containers created with this network but not running hold it too, as in docker. */
    private boolean usedByContainers(Network n) {
        return containers.list().stream().anyMatch(c -> {
            String mode = c.hostConfig().networkMode();
            return mode.equals(n.name()) || mode.equals(n.id()) || (n.id().startsWith(mode) && mode.length() >= 12);
        });
    }

    private void create(Exchange ex, CniNetworking net) throws InterruptedException {
        JsonNode body = readJson(ex);
        String name = body.path("Name").asText("");
        if (name.isBlank()) {
            throw ApiException.badRequest("a network needs a name");
        }
        String driver = body.path("Driver").asText("bridge");
        if (!driver.isEmpty() && !driver.equals("bridge")) {
            throw ApiException.badRequest("driver " + driver + " is not supported: skiff makes bridge networks");
        }
        Optional<String> subnet = Optional.empty();
        Optional<String> gateway = Optional.empty();
        JsonNode configs = body.path("IPAM").path("Config");
        if (configs.isArray() && !configs.isEmpty()) {
            JsonNode first = configs.get(0);
            subnet = Optional.of(first.path("Subnet").asText("")).filter(s -> !s.isEmpty());
            gateway = Optional.of(first.path("Gateway").asText("")).filter(s -> !s.isEmpty());
        }
        Map<String, String> labels = new LinkedHashMap<>();
        body.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        Network n = net.networks().create(new NetworkSpec(name, subnet, gateway, labels, body.path("Internal").asBoolean(false)));
        ObjectNode out = EngineApi.JSON.createObjectNode();
        out.put("Id", n.id());
        out.put("Warning", "");
        EngineApi.sendJson(ex, 201, out);
    }

    private static JsonNode readJson(Exchange ex) throws InterruptedException {
        byte[] bytes = ex.readBody(1 << 20).orElseThrow(() -> ApiException.badRequest("the request body is larger than 1 MiB"));
        if (bytes.length == 0) {
            return EngineApi.JSON.createObjectNode();
        }
        try {
            return EngineApi.JSON.readTree(bytes);
        } catch (IOException e) {
            throw ApiException.badRequest("the request body is not valid JSON: " + e.getMessage());
        }
    }

    /** A filter docker ORs within a name and ANDs across names: absent passes, else any value must fit. */
    private static boolean fits(Filters filters, String name, java.util.function.Predicate<String> test) {
        return !filters.has(name) || filters.get(name).stream().anyMatch(test);
    }

    private static boolean matches(Network n, Filters filters) {
        return fits(filters, "name", v -> n.name().contains(v))
                && fits(filters, "id", v -> n.id().startsWith(v))
                && fits(filters, "driver", v -> n.driver().equals(v))
                && fits(filters, "scope", v -> v.equals("local"))
                && fits(filters, "type", v -> v.equals("builtin") == n.predefined())
                && fits(filters, "label", v -> {
                    int eq = v.indexOf('=');
                    return eq < 0 ? n.labels().containsKey(v) : v.substring(eq + 1).equals(n.labels().get(v.substring(0, eq)));
                });
    }

    private ObjectNode describe(Network n, CniNetworking net, boolean withContainers) {
        ObjectNode o = EngineApi.JSON.createObjectNode();
        o.put("Name", n.name());
        o.put("Id", n.id());
        o.put("Created", DateTimeFormatter.ISO_INSTANT.format(n.created()));
        o.put("Scope", "local");
        o.put("Driver", n.driver());
        o.put("EnableIPv6", false);
        ObjectNode ipam = o.putObject("IPAM");
        ipam.put("Driver", "default");
        ipam.putNull("Options");
        ArrayNode config = ipam.putArray("Config");
        if (n.subnet().isPresent()) {
            ObjectNode c = config.addObject();
            c.put("Subnet", n.subnet().get());
            n.gateway().ifPresent(g -> c.put("Gateway", g));
        }
        o.put("Internal", n.internal());
        o.put("Attachable", false);
        o.put("Ingress", false);
        o.putObject("ConfigFrom").put("Network", "");
        o.put("ConfigOnly", false);
        ObjectNode attached = o.putObject("Containers");
        if (withContainers) {
            for (Map.Entry<String, Attachment> e : net.attachmentsOn(n.id()).entrySet()) {
                Attachment a = e.getValue();
                ObjectNode c = attached.putObject(e.getKey());
                String name = "";
                try {
                    name = containers.get(e.getKey()).name().substring(1);
                } catch (RuntimeException gone) {
                    // a container being removed
                }
                c.put("Name", name);
                c.put("EndpointID", a.endpointId());
                c.put("MacAddress", a.macAddress());
                c.put("IPv4Address", a.ipAddress() + "/" + a.ipPrefixLength());
                c.put("IPv6Address", "");
            }
        }
        ObjectNode options = o.putObject("Options");
        if (n.name().equals(Network.DEFAULT)) {
            options.put("com.docker.network.bridge.default_bridge", "true");
            options.put("com.docker.network.bridge.enable_icc", "true");
            options.put("com.docker.network.bridge.enable_ip_masquerade", "true");
            n.bridge().ifPresent(b -> options.put("com.docker.network.bridge.name", b));
        } else if (n.bridge().isPresent() && n.driver().equals("bridge")) {
            options.put("com.docker.network.bridge.name", n.bridge().get());
        }
        ObjectNode labels = o.putObject("Labels");
        n.labels().forEach(labels::put);
        return o;
    }

}
