package dev.skiff.daemon.api;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FiltersTest {
    private static final Set<String> ACCEPTED = Set.of("dangling", "label", "reference");

    @Test
    void readsBothWireForms() {
        Filters f = Filters.parse(Optional.of("{\"dangling\":{\"true\":true},\"label\":[\"a=b\",\"c\"]}"), ACCEPTED);
        assertThat(f.get("dangling")).containsExactly("true");
        assertThat(f.get("label")).containsExactly("a=b", "c");
        assertThat(f.bool("dangling", false)).isTrue();
        assertThat(Filters.parse(Optional.empty(), ACCEPTED).bool("dangling", true)).isTrue();
    }

    @Test
    void refusesUnknownNamesAndNonBooleansWithDockersWords() {
        assertThatThrownBy(() -> Filters.parse(Optional.of("{\"x\":{\"y\":true}}"), ACCEPTED))
                .isInstanceOf(ApiException.class).hasMessage("Invalid filter 'x'");
        Filters maybe = Filters.parse(Optional.of("{\"dangling\":{\"maybe\":true}}"), ACCEPTED);
        assertThatThrownBy(() -> maybe.bool("dangling", false)).hasMessage("Invalid filter 'dangling=[maybe]'");
        assertThatThrownBy(() -> Filters.parse(Optional.of("{nope"), ACCEPTED))
                .isInstanceOf(ApiException.class).hasMessageStartingWith("invalid filters:")
                .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(400));
        assertThatThrownBy(() -> Filters.parse(Optional.of("[1]"), ACCEPTED)).hasMessageStartingWith("invalid filters:");
    }

    @Test
    void labelsMatchByKeyOrKeyAndValue() {
        Filters f = new Filters(Map.of("label", List.of("team", "tier=test")));
        assertThat(f.matchLabels("label", Map.of("team", "blue", "tier", "test"))).isTrue();
        assertThat(f.matchLabels("label", Map.of("team", "blue", "tier", "prod"))).isFalse();
        assertThat(f.matchLabels("label", Map.of("tier", "test"))).isFalse();
    }

    @Test
    void referenceGlobsAreGosPathMatch() {
        assertThat(Filters.glob("busy*", "busybox")).isTrue();
        assertThat(Filters.glob("busy*", "library/busybox")).isFalse();
        assertThat(Filters.glob("*/app", "alice/app")).isTrue();
        assertThat(Filters.glob("app:?", "app:1")).isTrue();
        assertThat(Filters.glob("app:[12]", "app:2")).isTrue();
        assertThat(Filters.glob("app:[12]", "app:3")).isFalse();
        assertThat(Filters.glob("a.b", "axb")).isFalse();
    }
}
