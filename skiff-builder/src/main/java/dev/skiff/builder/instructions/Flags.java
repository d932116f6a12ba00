package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.DockerfileException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code --name[=value]} flags of one instruction, read as BuildKit's {@code BFlags} reads them:
 * each instruction declares the flags it knows, then the words are checked against them. A bool
 * flag takes no value or {@code true}/{@code false}; a string flag needs {@code =value} and may
 * appear once; a strings flag may repeat. The last value of a string flag counts.
 */
final class Flags {
    private enum Type { BOOL, STRING, STRINGS }

    private final List<String> words;
    private final Map<String, Type> declared = new LinkedHashMap<>();
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, List<String>> lists = new LinkedHashMap<>();
    private final Set<String> used = new HashSet<>();

    Flags(List<String> words) {
        this.words = List.copyOf(words);
    }

    Flags bool(String name) {
        declared.put(name, Type.BOOL);
        return this;
    }

    Flags string(String name) {
        declared.put(name, Type.STRING);
        return this;
    }

    Flags strings(String name) {
        declared.put(name, Type.STRINGS);
        return this;
    }

    /** Checks every word against the declared flags; the first problem is thrown. */
    Flags parse() {
        for (String word : words) {
            if (word.equals("--")) {
                return this;
            }
            if (!word.startsWith("--")) {
                throw new DockerfileException("arg should start with -- : " + word);
            }
            int eq = word.indexOf('=');
            String flagName = eq < 0 ? word : word.substring(0, eq);
            String value = eq < 0 ? "" : word.substring(eq + 1);
            boolean hasValue = eq >= 0;
            String name = flagName.substring(2);
            Type type = declared.get(name);
            if (type == null) {
                String known = declared.isEmpty() ? "this instruction takes no flags"
                        : "known flags: --" + String.join(", --", declared.keySet());
                throw new DockerfileException(Suggest.withSuggestion("unknown flag: " + flagName, name,
                        declared.keySet(), true) + "; " + known);
            }
            if (!used.add(name) && type != Type.STRINGS) {
                throw new DockerfileException("duplicate flag specified: " + flagName + "; give it once");
            }
            switch (type) {
                case BOOL -> {
                    if (hasValue && value.isEmpty()) {
                        throw new DockerfileException("missing a value on flag: " + flagName
                                + "; write " + flagName + " or " + flagName + "=false");
                    }
                    switch (value.toLowerCase(Locale.ROOT)) {
                        case "true", "" -> values.put(name, "true");
                        case "false" -> values.put(name, "false");
                        default -> throw new DockerfileException("expecting boolean value for flag " + flagName
                                + ", not: " + value);
                    }
                }
                case STRING -> {
                    if (!hasValue) {
                        throw new DockerfileException("missing a value on flag: " + flagName
                                + "; write " + flagName + "=<value>");
                    }
                    values.put(name, value);
                }
                case STRINGS -> {
                    if (!hasValue) {
                        throw new DockerfileException("missing a value on flag: " + flagName
                                + "; write " + flagName + "=<value>");
                    }
                    lists.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                }
            }
        }
        return this;
    }

    boolean isUsed(String name) {
        return used.contains(name);
    }

    boolean isTrue(String name) {
        return "true".equals(values.get(name));
    }

    /** A bool flag that means something different when absent than when false. */
    Optional<Boolean> optionalBool(String name) {
        return isUsed(name) ? Optional.of(isTrue(name)) : Optional.empty();
    }

    /** A string flag's value; empty when absent or given as {@code --flag=}, as BuildKit treats both. */
    Optional<String> value(String name) {
        String v = values.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    String stringOr(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    List<String> list(String name) {
        return List.copyOf(lists.getOrDefault(name, List.of()));
    }
}
