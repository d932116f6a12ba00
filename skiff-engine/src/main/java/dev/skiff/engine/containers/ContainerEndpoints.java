package dev.skiff.engine.containers;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.engine.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a container asks of networks beyond its {@code HostConfig.NetworkMode}: its aliases there, and
 * the further networks it joins (docker's {@code NetworkingConfig.EndpointsConfig} at create, and
 * {@code docker network connect|disconnect}, also of a container that does not run). Kept in
 * {@code <container>/endpoints.json}, so every start joins them all again, as dockerd's does.
 *
 * @param aliases the names it also answers to on its first network (user networks only, as in docker)
 * @param more    the further networks, by name, in the order they were joined
 */
public record ContainerEndpoints(@JsonProperty("Aliases") List<String> aliases, @JsonProperty("More") List<Endpoint> more) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FILE = "endpoints.json";
    public static final ContainerEndpoints NONE = new ContainerEndpoints(List.of(), List.of());

    /** A further network and the aliases the container has on it. */
    public record Endpoint(@JsonProperty("Network") String network, @JsonProperty("Aliases") List<String> aliases) {
        public Endpoint {
            Objects.requireNonNull(network, "network");
            aliases = aliases == null ? List.of() : List.copyOf(aliases);
        }
    }

    public ContainerEndpoints {
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        more = more == null ? List.of() : List.copyOf(more);
    }

    boolean joins(String network) {
        return more.stream().anyMatch(e -> e.network().equals(network));
    }

    ContainerEndpoints with(Endpoint endpoint) {
        List<Endpoint> list = new ArrayList<>(more);
        list.add(endpoint);
        return new ContainerEndpoints(aliases, list);
    }

    ContainerEndpoints without(String network) {
        return new ContainerEndpoints(aliases, more.stream().filter(e -> !e.network().equals(network)).toList());
    }

    static void save(Container c, ContainerEndpoints endpoints) {
        try {
            AtomicFiles.write(c.dir().resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(endpoints));
        } catch (IOException e) {
            throw new ContainerException.HostFailure("cannot save the networks of container " + c.shortId() + ": " + e.getMessage(), e);
        }
    }

    /** The saved endpoints; none for a container created before they were kept. */
    static ContainerEndpoints of(Container c) {
        Path file = c.dir().resolve(FILE);
        if (!Files.exists(file)) {
            return NONE;
        }
        try {
            return JSON.readValue(file.toFile(), ContainerEndpoints.class);
        } catch (IOException e) {
            throw new ContainerException.HostFailure("the networks of container " + c.shortId() + " (" + file
                    + ") cannot be read: " + e.getMessage() + "; remove the file to keep the container on its first network only", e);
        }
    }
}
