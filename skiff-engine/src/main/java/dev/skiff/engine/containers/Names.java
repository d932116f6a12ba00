package dev.skiff.engine.containers;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/** Container names: docker's validity rule and generated {@code adjective_noun} names (our own words). */
final class Names {
    /** Docker's rule for a name given with {@code --name}. */
    private static final Pattern VALID = Pattern.compile("/?[a-zA-Z0-9][a-zA-Z0-9_.-]+");

    private static final List<String> ADJECTIVES = List.of(
            "amber", "brave", "bright", "calm", "candid", "cheerful", "clever", "cosmic", "crisp", "daring",
            "dazzling", "eager", "earnest", "fearless", "festive", "fluent", "gentle", "gleaming", "glad", "golden",
            "graceful", "hardy", "hearty", "honest", "humble", "jolly", "keen", "kind", "lively", "lucid",
            "mellow", "merry", "mighty", "nimble", "noble", "patient", "placid", "plucky", "polite", "proud",
            "quiet", "quick", "radiant", "rapid", "serene", "sharp", "shiny", "silent", "steady", "sunny",
            "swift", "tender", "tidy", "upbeat", "vivid", "warm", "witty", "zealous");

    private static final List<String> NOUNS = List.of(
            "albatross", "anchor", "badger", "beacon", "bison", "buoy", "canoe", "capstan", "cormorant", "corsair",
            "current", "dinghy", "dolphin", "dory", "ferry", "gannet", "gull", "harbor", "heron", "inlet",
            "jetty", "kayak", "keel", "kestrel", "lagoon", "lantern", "lighthouse", "mariner", "marlin", "mast",
            "narwhal", "oar", "orca", "osprey", "otter", "pelican", "petrel", "pilot", "puffin", "quay",
            "raft", "reef", "rudder", "sail", "schooner", "seal", "shoal", "skiff", "sloop", "sound",
            "tern", "tide", "walrus", "wave", "whale", "wharf", "yawl");

    private Names() {
    }

    static String generate(int attempt) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String name = "/" + ADJECTIVES.get(r.nextInt(ADJECTIVES.size())) + "_" + NOUNS.get(r.nextInt(NOUNS.size()));
        // after a clash, docker appends a digit too
        return attempt == 0 ? name : name + r.nextInt(10);
    }

    /** {@code x} or {@code /x} as docker stores it ({@code /x}); refuses names docker refuses. */
    static String normalize(String given) {
        if (!VALID.matcher(given).matches()) {
            throw new ContainerException.InvalidArgument("Invalid container name (" + given
                    + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        return given.startsWith("/") ? given : "/" + given;
    }
}
