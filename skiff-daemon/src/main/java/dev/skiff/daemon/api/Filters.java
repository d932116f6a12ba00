package dev.skiff.daemon.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * docker's {@code filters} query parameter: JSON mapping each filter name to its values, either as
 * {@code {"dangling":{"true":true}}} (what clients send) or the older {@code {"dangling":["true"]}}.
 * Names outside the route's set are refused with dockerd's {@code Invalid filter 'x'}.
 */
record Filters(Map<String, List<String>> values) {
    static final Filters NONE = new Filters(Map.of());

    static Filters parse(java.util.Optional<String> json, Set<String> accepted) {
        if (json.isEmpty() || json.get().isBlank()) {
            return NONE;
        }
        JsonNode root;
        try {
            root = EngineApi.JSON.readTree(json.get());
        } catch (IOException e) {
            throw ApiException.badRequest("invalid filters: the filters parameter is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest("invalid filters: the filters parameter must be a JSON object");
        }
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (var field : root.properties()) {
            List<String> list = new ArrayList<>();
            JsonNode v = field.getValue();
            if (v.isObject()) {
                v.properties().forEach(e -> {
                    if (e.getValue().asBoolean(false)) {
                        list.add(e.getKey());
                    }
                });
            } else if (v.isArray()) {
                v.forEach(e -> list.add(e.asText()));
            } else {
                throw ApiException.badRequest("invalid filters: the values of '" + field.getKey() + "' must be an object or a list");
            }
            values.put(field.getKey(), List.copyOf(list));
        }
        for (String name : values.keySet()) {
            if (!accepted.contains(name)) {
                throw ApiException.badRequest("Invalid filter '" + name + "'");
            }
        }
        return new Filters(Map.copyOf(values));
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    List<String> get(String name) {
        return values.getOrDefault(name, List.of());
    }

    /**
     * dockerd's GetBoolOrDefault: the single value must be true/1 or false/0.
     *
     * @throws ApiException {@code Invalid filter 'dangling=[maybe]'} otherwise
     */
    boolean bool(String name, boolean fallback) {
        List<String> v = get(name);
        if (v.isEmpty()) {
            return fallback;
        }
        String first = v.getFirst();
        if (v.size() == 1 && (first.equalsIgnoreCase("true") || first.equals("1"))) {
            return true;
        }
        if (v.size() == 1 && (first.equalsIgnoreCase("false") || first.equals("0"))) {
            return false;
        }
        throw ApiException.badRequest("Invalid filter '" + name + "=[" + String.join(" ", v) + "]'");
    }

    /** dockerd's MatchKVList: every {@code key} or {@code key=value} of {@code name} holds in {@code labels}. */
    boolean matchLabels(String name, Map<String, String> labels) {
        for (String want : get(name)) {
            int eq = want.indexOf('=');
            if (eq < 0 ? !labels.containsKey(want) : !want.substring(eq + 1).equals(labels.get(want.substring(0, eq)))) {
                return false;
            }
        }
        return true;
    }

    /** Go's path.Match for {@code *}, {@code ?} and {@code [...]}: what the reference filter uses. */
    static boolean glob(String pattern, String text) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            switch (c) {
                case '*' -> regex.append("[^/]*");
                case '?' -> regex.append("[^/]");
                case '[' -> {
                    int end = pattern.indexOf(']', i + 1);
                    if (end < 0) {
                        return false;
                    }
                    String set = pattern.substring(i + 1, end);
                    regex.append('[').append(set.startsWith("^") ? "^" + java.util.regex.Pattern.quote(set.substring(1))
                            : java.util.regex.Pattern.quote(set)).append(']');
                    i = end;
                }
                case '\\' -> {
                    if (i + 1 < pattern.length()) {
                        regex.append(java.util.regex.Pattern.quote(String.valueOf(pattern.charAt(++i))));
                    }
                }
                default -> regex.append(java.util.regex.Pattern.quote(String.valueOf(c)));
            }
        }
        return text.matches(regex.toString());
    }
}
