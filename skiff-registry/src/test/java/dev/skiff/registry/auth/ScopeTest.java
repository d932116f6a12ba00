package dev.skiff.registry.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScopeTest {

    @Test
    void parsesARepositoryScopeKeepingTheActionOrder() {
        List<ResourceScope> scopes = Scope.parse("repository:alice/app:push,pull");

        assertThat(scopes).containsExactly(new ResourceScope("repository", "alice/app", Set.of("push", "pull")));
        assertThat(scopes.getFirst().actions()).containsExactly("push", "pull");
        assertThat(scopes.getFirst()).hasToString("repository:alice/app:push,pull");
    }

    @Test
    void ignoresTheDeprecatedResourceClass() {
        assertThat(Scope.parse("repository(plugin):alice/app:pull"))
                .containsExactly(new ResourceScope("repository", "alice/app", Set.of("pull")));
    }

    @Test
    void parsesTheCatalogScope() {
        assertThat(Scope.parse("registry:catalog:*"))
                .containsExactly(new ResourceScope("registry", "catalog", Set.of("*")));
    }

    @Test
    void splitsSpaceSeparatedScopesAndSkipsEmptyOnes() {
        assertThat(Scope.parse("repository:alice/app:pull  registry:catalog:* repository:bob/x.y__z:push "))
                .extracting(ResourceScope::toString)
                .containsExactly("repository:alice/app:pull", "registry:catalog:*", "repository:bob/x.y__z:push");
    }

    @Test
    void dropsEmptyAndRepeatedActions() {
        assertThat(Scope.parse("repository:alice/app:pull,,pull,push,").getFirst().actions())
                .containsExactly("pull", "push");
    }

    @Test
    void keepsTheGoodScopesNextToBadOnes() {
        assertThat(Scope.parse("repository:Alice/app:pull repository:alice/app:pull"))
                .extracting(ResourceScope::toString)
                .containsExactly("repository:alice/app:pull");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", " ", ":", "::", ":::", "repository", "repository:alice/app", "repository:alice/app:",
        "repository:alice/app:,", "repository::pull", ":alice/app:pull", "repository:Alice/App:pull",
        "repository:../etc:pull", "repository:/alice:pull", "repository:alice//app:pull", "repository:alice/app/:pull",
        "repository:alice/app:PULL", "repository:alice/app:pull,PUSH", "repository:alice/app:pu\tll",
        "REPOSITORY:alice/app:pull", "repository(plugin:alice/app:pull", "repository(Plugin):alice/app:pull",
        "repository()alice/app:pull", "repo sitory:alice/app:pull", "repository:localhost:5000/alice/app:pull",
        "repository:alice/app:pull\"", "repository:alice\"/app:pull", "repository:alice/app:pull\r\nX-Evil:1",
        "repository:alice/app\u0000:pull", "repository:älice/app:pull", "registry:catalog:*\",error=\"x",
        "registry:Catalog:*", "registry:cata/log:*", "repository:alice/app:p*ll"
    })
    void ignoresMalformedScopes(String scope) {
        assertThat(Scope.parse(scope)).isEmpty();
    }

    @Test
    void ignoresNullAndOverlongInput() {
        assertThat(Scope.parse(null)).isEmpty();
        assertThat(Scope.parse("repository:" + "a".repeat(256) + ":pull")).isEmpty();
        assertThat(Scope.parse("repository:" + "a/".repeat(20_000) + "a:pull")).isEmpty();
        assertThat(Scope.parse(":".repeat(100_000))).isEmpty();
    }

    @Test
    void acceptsTheLongestValidRepositoryName() {
        String name = "a".repeat(255);
        assertThat(Scope.parse("repository:" + name + ":pull")).hasSize(1);
    }

    @Test
    void resourceScopesValidateThemselves() {
        assertThatThrownBy(() -> new ResourceScope("repository", "Alice", Set.of("pull")))
                .isInstanceOf(AuthException.class).hasMessageContaining("Alice");
        assertThatThrownBy(() -> new ResourceScope("repository", "alice/app", Set.of("pull,push")))
                .isInstanceOf(AuthException.class).hasMessageContaining("pull,push");
        assertThatThrownBy(() -> new ResourceScope("Repository", "alice/app", Set.of("pull")))
                .isInstanceOf(AuthException.class);
        assertThatThrownBy(() -> new ResourceScope("repository", "alice/app", null))
                .isInstanceOf(AuthException.class);
        assertThatThrownBy(() -> new ResourceScope("registry", "cat alog", Set.of("*")))
                .isInstanceOf(AuthException.class);
    }

    @Test
    void actionsAreACopyThatCannotChange() {
        Set<String> actions = new LinkedHashSet<>(List.of("pull"));
        ResourceScope scope = new ResourceScope("repository", "alice/app", actions);
        actions.add("push");

        assertThat(scope.actions()).containsExactly("pull");
        assertThatThrownBy(() -> scope.actions().add("push")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void buildsTheScopeARepositoryRequestNeeds() {
        ResourceScope scope = ResourceScope.repository(dev.skiff.formats.RepositoryName.parse("alice/app"), "pull", "push");
        assertThat(scope).hasToString("repository:alice/app:pull,push");
    }
}
