package dev.skiff.engine.containers;

import java.util.Map;

/**
 * Something that happened to a container, as {@code docker events} names it: {@code create},
 * {@code start}, {@code die} (with {@code exitCode}), {@code kill} (with {@code signal}), {@code stop},
 * {@code pause}, {@code unpause}, {@code rename} (with {@code oldName}), {@code destroy}.
 *
 * @param attributes {@code name}, {@code image} and the container's labels, plus the action's own
 */
public record ContainerEvent(String action, String id, Map<String, String> attributes) {
    public ContainerEvent {
        attributes = Map.copyOf(attributes);
    }

    static ContainerEvent of(String action, Container c, Map<String, String> extra) {
        Map<String, String> a = new java.util.HashMap<>(c.config().labels());
        a.put("name", c.name().substring(1));
        a.put("image", c.config().image());
        a.putAll(extra);
        return new ContainerEvent(action, c.id(), a);
    }
}
