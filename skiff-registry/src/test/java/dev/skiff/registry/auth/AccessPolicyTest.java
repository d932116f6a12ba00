package dev.skiff.registry.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AccessPolicyTest {
    private static final AccessPolicy OPEN = new AccessPolicy(Set.of("admin"), true);
    private static final AccessPolicy CLOSED = new AccessPolicy(Set.of("admin"), false);

    /** user ("-" = anonymous), repository, requested actions, granted with anonymous pull on, and off. */
    @ParameterizedTest(name = "{0} {2} {1}: open={3} closed={4}")
    @CsvSource(delimiter = '|', textBlock = """
        -     | alice/app | pull             | pull             |
        -     | alice/app | push             |                  |
        -     | alice/app | delete           |                  |
        -     | alice/app | *                |                  |
        -     | app       | pull             | pull             |
        -     | app       | pull,push        | pull             |
        alice | alice/app | pull             | pull             | pull
        alice | alice/app | push             | push             | push
        alice | alice/app | delete           | delete           | delete
        alice | alice/app | push,pull        | push,pull        | push,pull
        alice | alice/app | *                | *                | *
        alice | alice/x/y | pull,push,delete | pull,push,delete | pull,push,delete
        alice | bob/app   | pull             | pull             | pull
        alice | bob/app   | push             |                  |
        alice | bob/app   | delete           |                  |
        alice | bob/app   | pull,push        | pull             | pull
        alice | bob/app   | *                |                  |
        alice | alice     | push             |                  |
        alice | app       | pull             | pull             | pull
        alice | app       | push             |                  |
        alice | app       | delete           |                  |
        alice | alicex/app | push            |                  |
        bob   | alice/app | push             |                  |
        bob   | bob/app   | push,delete      | push,delete      | push,delete
        admin | alice/app | push             | push             | push
        admin | bob/app   | delete           | delete           | delete
        admin | app       | push,pull        | push,pull        | push,pull
        admin | app       | *                | *                | *
        alice | alice/app | pull,frob        | pull             | pull
        """)
    void grantsRepositoryActions(String user, String repository, String requested, String open, String closed) {
        Optional<String> who = user.equals("-") ? Optional.empty() : Optional.of(user);
        ResourceScope scope = new ResourceScope("repository", repository, actions(requested));

        assertThat(OPEN.grant(who, scope)).containsExactlyElementsOf(actions(open));
        assertThat(CLOSED.grant(who, scope)).containsExactlyElementsOf(actions(closed));
    }

    @Test
    void opensTheCatalogToWhoeverMayPull() {
        ResourceScope catalog = new ResourceScope("registry", "catalog", Set.of("*"));

        assertThat(CLOSED.grant(Optional.of("admin"), catalog)).containsExactly("*");
        assertThat(CLOSED.grant(Optional.of("alice"), catalog)).containsExactly("*");
        assertThat(CLOSED.grant(Optional.empty(), catalog)).isEmpty();
        assertThat(OPEN.grant(Optional.empty(), catalog)).containsExactly("*");
    }

    @Test
    void grantsNothingOnUnknownResources() {
        assertThat(OPEN.grant(Optional.of("admin"), new ResourceScope("registry", "other", Set.of("*")))).isEmpty();
        assertThat(OPEN.grant(Optional.of("admin"), new ResourceScope("plugin", "alice", Set.of("pull")))).isEmpty();
    }

    @Test
    void keepsItsOwnCopyOfTheAdmins() {
        Set<String> admins = new java.util.HashSet<>(Set.of("admin"));
        AccessPolicy policy = new AccessPolicy(admins, false);
        admins.add("alice");

        assertThat(policy.grant(Optional.of("alice"), new ResourceScope("repository", "bob/app", Set.of("push"))))
                .isEmpty();
    }

    @Test
    void aPrivateRepositoryIsReadableByItsOwnerAndAdminsOnly() {
        AccessPolicy policy = new AccessPolicy(Set.of("admin"), true, name -> name.value().equals("alice/secret"));
        ResourceScope pull = new ResourceScope("repository", "alice/secret", Set.of("pull"));

        assertThat(policy.grant(Optional.empty(), pull)).isEmpty();
        assertThat(policy.grant(Optional.of("bob"), pull)).isEmpty();
        assertThat(policy.grant(Optional.of("alice"), pull)).containsExactly("pull");
        assertThat(policy.grant(Optional.of("admin"), pull)).containsExactly("pull");
        // other repositories stay public
        assertThat(policy.grant(Optional.of("bob"), new ResourceScope("repository", "alice/app", Set.of("pull"))))
                .containsExactly("pull");
        assertThat(policy.isOwner(Optional.of("alice"), dev.skiff.formats.RepositoryName.parse("alice/secret"))).isTrue();
        assertThat(policy.isOwner(Optional.empty(), dev.skiff.formats.RepositoryName.parse("alice/secret"))).isFalse();
    }

    private static Set<String> actions(String list) {
        return list == null ? Set.of() : new LinkedHashSet<>(List.of(list.split(",")));
    }
}
