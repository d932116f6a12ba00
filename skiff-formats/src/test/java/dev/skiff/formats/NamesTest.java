package dev.skiff.formats;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"busybox", "alice/getting-started", "a/b/c/d", "a.b_c__d---e/f0", "library/ubuntu"})
    void acceptsSpecRepositoryNames(String name) {
        assertThat(RepositoryName.isValid(name)).isTrue();
        assertThat(RepositoryName.parse(name).value()).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/alice", "alice/", "../etc", "alice/../bob", "alice//app", "Alice/app", "alice/app:tag",
            "a/./b", "-a", "a-", "a___b", "a..b", "al ice", "alice\0"})
    void refusesNamesOutsideTheGrammar(String name) {
        assertThat(RepositoryName.isValid(name)).isFalse();
        assertThatThrownBy(() -> RepositoryName.parse(name)).isInstanceOf(FormatException.class)
                .hasMessageContaining("invalid repository name");
    }

    @Test
    void refusesOversizedNames() {
        String name = "a/".repeat(127) + "ab";
        assertThat(name).hasSize(256);
        assertThat(RepositoryName.isValid(name)).isFalse();
        assertThat(RepositoryName.isValid(name.substring(1))).isFalse();
        assertThat(RepositoryName.isValid(name.substring(2))).isTrue();
    }

    @Test
    void namespaceIsTheFirstComponent() {
        assertThat(RepositoryName.parse("alice/team/app").namespace()).isEqualTo("alice");
        assertThat(RepositoryName.parse("alice/team/app").hasNamespace()).isTrue();
        assertThat(RepositoryName.parse("app").hasNamespace()).isFalse();
    }

    @Test
    void tagsFollowTheSpecGrammar() {
        assertThat(Tag.isValid("latest")).isTrue();
        assertThat(Tag.isValid("_v1.0-rc.1")).isTrue();
        assertThat(Tag.isValid("a".repeat(128))).isTrue();
        assertThat(Tag.isValid("a".repeat(129))).isFalse();
        assertThat(Tag.isValid(".hidden")).isFalse();
        assertThat(Tag.isValid("-x")).isFalse();
        assertThat(Tag.isValid("a/b")).isFalse();
        assertThat(Tag.isValid("..")).isFalse();
        assertThat(Tag.isValid("")).isFalse();
    }
}
