package dev.skiff.registry.gc;

import dev.skiff.formats.Digest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ReachabilityTest {
    private static Digest d(String name) {
        return Digest.sha256(name.getBytes());
    }

    private final Digest index = d("index");
    private final Digest amd64 = d("amd64");
    private final Digest arm64 = d("arm64");
    private final Digest signature = d("signature of index");
    private final Digest signatureOfSignature = d("signature of signature");
    private final Digest lone = d("lone");
    private final Digest layer = d("layer");

    private final Map<Digest, References> graph = Map.of(
            index, new References(Set.of(), Set.of(amd64, arm64), Optional.empty(), false),
            amd64, new References(Set.of(layer), Set.of(), Optional.empty(), false),
            arm64, new References(Set.of(layer), Set.of(), Optional.empty(), false),
            signature, new References(Set.of(layer), Set.of(), Optional.of(index), false),
            signatureOfSignature, new References(Set.of(), Set.of(), Optional.of(signature), false),
            lone, References.scavenge(("garbage mentioning " + amd64).getBytes()));
    private final Reachability reachability = new Reachability(graph.keySet(), graph::get);

    @Test
    void rootsKeepChildrenAndReferrersTransitively() {
        assertThat(reachability.closure(List.of(index)))
                .containsExactlyInAnyOrder(index, amd64, arm64, signature, signatureOfSignature);
        assertThat(reachability.closure(List.of(arm64))).containsExactly(arm64);
    }

    @Test
    void aReferrerKeepsItsSubject() {
        assertThat(reachability.closure(List.of(signatureOfSignature))).contains(signature, index, amd64);
    }

    @Test
    void aScavengedManifestKeepsWhatItMentions() {
        assertThat(reachability.closure(List.of(lone))).containsExactlyInAnyOrder(lone, amd64);
    }

    @Test
    void referencingManifestsComeFirst() {
        List<Digest> order = reachability.parentsFirst(graph.keySet());
        assertThat(order).hasSize(graph.size());
        assertThat(order.indexOf(index)).isLessThan(order.indexOf(amd64));
        assertThat(order.indexOf(index)).isLessThan(order.indexOf(arm64));
        assertThat(order.indexOf(signatureOfSignature)).isLessThan(order.indexOf(signature));
        assertThat(order.indexOf(signature)).isLessThan(order.indexOf(index));
        assertThat(order.indexOf(lone)).isLessThan(order.indexOf(amd64));
    }
}
