package dev.skiff.registry.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HtpasswdTest {
    private static final String HTPASSWD = "/usr/bin/htpasswd";

    @TempDir
    Path dir;

    @Test
    void verifiesAFileWrittenByApacheHtpasswd() throws Exception {
        Path file = dir.resolve("users");
        String longPassword = "x".repeat(100);
        run(HTPASSWD, "-B", "-b", "-c", file.toString(), "alice", "s3cret pw:ü");
        run(HTPASSWD, "-B", "-b", "-C", "4", file.toString(), "bob", "hunter2");
        run(HTPASSWD, "-B", "-b", file.toString(), "carol", longPassword);

        Htpasswd users = Htpasswd.load(file);

        assertThat(users.users()).containsExactlyInAnyOrder("alice", "bob", "carol");
        assertThat(users.warnings()).isEmpty();
        assertThat(users.verify("alice", "s3cret pw:ü".toCharArray())).isTrue();
        assertThat(users.verify("alice", "s3cret pw:u".toCharArray())).isFalse();
        assertThat(users.verify("bob", "hunter2".toCharArray())).isTrue();
        assertThat(users.verify("bob", "s3cret pw:ü".toCharArray())).isFalse();
        // Apache truncates at bcrypt's 72 bytes; so must we, or its long passwords would never verify.
        assertThat(users.verify("carol", longPassword.toCharArray())).isTrue();
        assertThat(users.verify("mallory", "hunter2".toCharArray())).isFalse();
        assertThat(users.verify(null, "hunter2".toCharArray())).isFalse();
        assertThat(users.verify("bob", null)).isFalse();
    }

    @Test
    void apacheHtpasswdVerifiesAFileWrittenByPutUser() throws Exception {
        Path file = dir.resolve("users");
        Htpasswd.putUser(file, "alice", "s3cret pw:ü".toCharArray());
        Htpasswd.putUser(file, "bob", "hunter2".toCharArray());

        assertThat(run(HTPASSWD, "-v", "-b", file.toString(), "alice", "s3cret pw:ü")).isZero();
        assertThat(run(HTPASSWD, "-v", "-b", file.toString(), "bob", "hunter2")).isZero();
        assertThat(run(HTPASSWD, "-v", "-b", file.toString(), "alice", "hunter2")).isNotZero();
        assertThat(Files.readAllLines(file)).allSatisfy(line -> assertThat(line).matches("[a-z]+:\\$2y\\$10\\$.{53}"));
    }

    @Test
    void createsANewFileReadableByItsOwnerOnly() throws Exception {
        Path file = dir.resolve("sub/users");
        Htpasswd.putUser(file, "alice", "pw".toCharArray());

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var leftovers = Files.list(file.getParent())) {
            assertThat(leftovers).containsExactly(file);
        }
    }

    @Test
    void changesAPasswordAndKeepsEveryOtherLineAsItWas() throws Exception {
        Path file = dir.resolve("users");
        run(HTPASSWD, "-B", "-b", "-c", "-C", "4", file.toString(), "bob", "bobs");
        run(HTPASSWD, "-m", "-b", file.toString(), "olduser", "md5pw");
        run(HTPASSWD, "-B", "-b", "-C", "4", file.toString(), "alice", "old");
        Files.writeString(file, "# managed by hand\n\n", java.nio.file.StandardOpenOption.APPEND);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        List<String> before = Files.readAllLines(file);

        Htpasswd.putUser(file, "alice", "new".toCharArray());

        List<String> after = Files.readAllLines(file);
        assertThat(after).hasSameSizeAs(before);
        for (int i = 0; i < before.size(); i++) {
            if (before.get(i).startsWith("alice:")) {
                assertThat(after.get(i)).startsWith("alice:$2y$10$").isNotEqualTo(before.get(i));
            } else {
                assertThat(after.get(i)).isEqualTo(before.get(i));
            }
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r-----");
        Htpasswd users = Htpasswd.load(file);
        assertThat(users.verify("alice", "new".toCharArray())).isTrue();
        assertThat(users.verify("alice", "old".toCharArray())).isFalse();
        assertThat(users.verify("bob", "bobs".toCharArray())).isTrue();
    }

    @Test
    void readsEveryBcryptPrefix() throws Exception {
        Path file = dir.resolve("users");
        Files.writeString(file, String.join("\n",
                "a:" + BCrypt.with(BCrypt.Version.VERSION_2A).hashToString(4, "pa".toCharArray()),
                "b:" + BCrypt.with(BCrypt.Version.VERSION_2B).hashToString(4, "pb".toCharArray()),
                "y:" + BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(5, "py".toCharArray()) + "\r",
                ""));

        Htpasswd users = Htpasswd.load(file);

        assertThat(users.verify("a", "pa".toCharArray())).isTrue();
        assertThat(users.verify("b", "pb".toCharArray())).isTrue();
        assertThat(users.verify("y", "py".toCharArray())).isTrue();
        assertThat(users.verify("b", "pa".toCharArray())).isFalse();
    }

    @Test
    void skipsOtherHashKindsAndBadLinesWithAWarning() throws Exception {
        Path file = dir.resolve("users");
        run(HTPASSWD, "-m", "-b", "-c", file.toString(), "md5user", "pw");
        run(HTPASSWD, "-s", "-b", file.toString(), "shauser", "pw");
        run(HTPASSWD, "-B", "-b", "-C", "4", file.toString(), "alice", "first");
        Files.writeString(file, String.join("\n",
                "no colon here",
                "Alice:" + BCrypt.withDefaults().hashToString(4, "pw".toCharArray()),
                "alice:" + BCrypt.withDefaults().hashToString(4, "second".toCharArray()),
                "plain:pw",
                "broken:$2y$10$tooshort",
                ""), java.nio.file.StandardOpenOption.APPEND);

        Htpasswd users = Htpasswd.load(file);

        assertThat(users.users()).containsExactly("alice");
        assertThat(users.verify("alice", "first".toCharArray())).isTrue();
        assertThat(users.verify("alice", "second".toCharArray())).isFalse();
        assertThat(users.verify("md5user", "pw".toCharArray())).isFalse();
        assertThat(users.warnings()).hasSize(7);
        assertThat(String.join("\n", users.warnings()))
                .contains("line 1: user md5user skipped, the password hash is Apache MD5 ($apr1$), not bcrypt")
                .contains("line 2: user shauser skipped, the password hash is SHA-1 ({SHA})")
                .contains("line 4: skipped, no ':'")
                .contains("line 5: user \"Alice\" skipped")
                .contains("line 6: user alice appears again; the entry on line 3 is used")
                .contains("line 7: user plain skipped")
                .contains("line 8: user broken skipped")
                .doesNotContain("$2y$10$tooshort");
    }

    @Test
    void picksUpChangesToTheFileAtMostOnceASecond() {
        Path file = dir.resolve("users");
        Htpasswd.putUser(file, "alice", "pw".toCharArray());
        FakeClock clock = new FakeClock();
        Htpasswd users = Htpasswd.load(file, clock);

        Htpasswd.putUser(file, "bob", "bobs".toCharArray());
        Htpasswd.putUser(file, "alice", "changed".toCharArray());
        clock.advance(Duration.ofMillis(999));
        assertThat(users.verify("bob", "bobs".toCharArray())).isFalse();
        assertThat(users.verify("alice", "pw".toCharArray())).isTrue();

        clock.advance(Duration.ofMillis(1));
        assertThat(users.verify("bob", "bobs".toCharArray())).isTrue();
        assertThat(users.verify("alice", "changed".toCharArray())).isTrue();
        assertThat(users.users()).containsExactlyInAnyOrder("alice", "bob");

        Htpasswd.putUser(file, "carol", "carols".toCharArray());
        clock.advance(Duration.ofMillis(500));
        assertThat(users.users()).doesNotContain("carol");
        clock.advance(Duration.ofMillis(500));
        assertThat(users.users()).contains("carol");
    }

    @Test
    void keepsTheKnownUsersWhenTheFileVanishes() throws Exception {
        Path file = dir.resolve("users");
        Htpasswd.putUser(file, "alice", "pw".toCharArray());
        FakeClock clock = new FakeClock();
        Htpasswd users = Htpasswd.load(file, clock);

        Files.delete(file);
        clock.advance(Duration.ofSeconds(2));

        assertThat(users.verify("alice", "pw".toCharArray())).isTrue();
        assertThat(users.warnings()).singleElement().asString().contains("cannot reload");

        Htpasswd.putUser(file, "bob", "bobs".toCharArray());
        clock.advance(Duration.ofSeconds(2));
        assertThat(users.verify("bob", "bobs".toCharArray())).isTrue();
        assertThat(users.verify("alice", "pw".toCharArray())).isFalse();
        assertThat(users.warnings()).isEmpty();
    }

    @Test
    void spendsABcryptOnUnknownUsersToo() {
        Path file = dir.resolve("users");
        Htpasswd.putUser(file, "alice", "pw".toCharArray());
        Htpasswd users = Htpasswd.load(file);
        users.verify("alice", "warm-up".toCharArray());

        long known = Long.MAX_VALUE;
        long unknown = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            users.verify("alice", "wrong".toCharArray());
            known = Math.min(known, System.nanoTime() - start);
            start = System.nanoTime();
            users.verify("nobody", "wrong".toCharArray());
            unknown = Math.min(unknown, System.nanoTime() - start);
        }

        // The fastest of three runs shrugs off a busy machine; without the dummy hash this is ~1000x off.
        assertThat(unknown).isGreaterThan(known / 3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Alice", "a..b", "a.-b", "-alice", "alice-", "_a", "a/b", "a:b", "a b", "ålice",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void refusesNamesThatCannotBeNamespaces(String user) {
        assertThatThrownBy(() -> Htpasswd.putUser(dir.resolve("users"), user, "pw".toCharArray()))
                .isInstanceOf(AuthException.class)
                .hasMessageContaining("lowercase letters and digits")
                .hasMessageContaining("at most 64 characters");
        assertThat(dir.resolve("users")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "a", "0", "alice.smith", "a_b-c.d", "a1b2",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void acceptsNamesThatCanBeNamespaces(String user) {
        Htpasswd.putUser(dir.resolve("users"), user, "pw".toCharArray());
        assertThat(Htpasswd.load(dir.resolve("users")).users()).containsExactly(user);
    }

    @Test
    void refusesPasswordsBcryptCannotHoldWhole() {
        Path file = dir.resolve("users");
        assertThatThrownBy(() -> Htpasswd.putUser(file, "alice", new char[0]))
                .isInstanceOf(AuthException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> Htpasswd.putUser(file, "alice", "ü".repeat(37).toCharArray()))
                .isInstanceOf(AuthException.class).hasMessageContaining("74 bytes").hasMessageContaining("at most 72");
        Htpasswd.putUser(file, "alice", "x".repeat(72).toCharArray());
        assertThat(Htpasswd.load(file).verify("alice", "x".repeat(72).toCharArray())).isTrue();
    }

    @Test
    void saysWhatToDoWhenTheFileIsMissing() {
        assertThatThrownBy(() -> Htpasswd.load(dir.resolve("absent")))
                .isInstanceOf(AuthException.class)
                .hasMessageContaining("does not exist")
                .hasMessageContaining("skiff registry user add");
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        if (exit != 0 && !command[1].equals("-v")) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + exit + "): " + output);
        }
        return exit;
    }
}
