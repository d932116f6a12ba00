package dev.skiff.it.registry;

import static dev.skiff.it.registry.Pulled.assertImageIdentical;
import static dev.skiff.it.registry.Pulled.assertRawManifest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.it.support.BuiltImage;
import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.OciLayout;
import dev.skiff.it.support.Platform;
import dev.skiff.it.support.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Accounts like Docker Hub, through skopeo and the Docker token flow: alice owns {@code alice/},
 * admins push anywhere, pull is anonymous unless {@code --no-anonymous-pull}.
 */
class SkiffRegistryAuthTest {

    /** How skopeo reports a 403 DENIED (from the registry or from the token endpoint's narrowed grant). */
    static final String DENIED = "(?i)denied|403";
    /** How skopeo reports a 401 for bad credentials. */
    static final String UNAUTHORIZED = "(?i)unauthori[sz]ed|401|invalid username/password|authentication required";
    /** How skopeo reports that nothing is there. */
    static final String NOT_THERE = "(?i)manifest unknown|name unknown|not found|404";

    @TempDir
    static Path shared;
    static OciLayout layout;
    static BuiltImage image;
    static Path htpasswd;
    static SkiffRegistryProcess registry;

    @TempDir
    Path tmp;
    Skopeo skopeo;

    @BeforeAll
    static void startRegistry() {
        layout = OciLayout.create(shared.resolve("layout"));
        image = TestImages.small(layout, 31, Platform.LINUX_AMD64);
        layout.tag("image", image);
        htpasswd = Pulled.apacheHtpasswd(shared.resolve("htpasswd"),
                "alice", "alice-pw", "bob", "bob-pw", "root", "root-pw");
        registry = SkiffRegistryProcess.serving(shared.resolve("root")).htpasswd(htpasswd).admin("root").start();
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @BeforeEach
    void newSkopeo() {
        skopeo = new Skopeo(tmp.resolve("skopeo"));
    }

    @Test
    void anonymousPullWorksByDefault() {
        push(registry, "alice", "alice-pw", "alice/public:1").assertSuccess();

        assertRawManifest(skopeo, registry.ref("alice/public:1"), image.manifest());
        assertImageIdentical(skopeo, registry.ref("alice/public:1"), image, tmp.resolve("pulled"));
    }

    @Test
    void noAnonymousPullRefusesAnonymousButServesUsers() {
        try (SkiffRegistryProcess closed = SkiffRegistryProcess.serving(tmp.resolve("closed-root"))
                .htpasswd(htpasswd).noAnonymousPull().start()) {
            push(closed, "alice", "alice-pw", "alice/private:1").assertSuccess();

            CommandResult anonymous = skopeo.inspectRaw(closed.ref("alice/private:1")).assertFailure();
            assertThat(anonymous.stderr()).as(anonymous.describe()).containsPattern(UNAUTHORIZED);
            CommandResult anonymousPull = skopeo.copy(closed.ref("alice/private:1"), "oci:" + tmp.resolve("anon") + ":x")
                    .assertFailure();
            assertThat(anonymousPull.stderr()).as(anonymousPull.describe()).containsPattern(UNAUTHORIZED);

            assertRawManifest(skopeo, closed.ref("alice/private:1"), image.manifest(), Skopeo.creds("alice", "alice-pw"));
            assertImageIdentical(skopeo, closed.ref("alice/private:1"), image, tmp.resolve("pulled"),
                    Skopeo.srcCreds("alice", "alice-pw"));
        }
    }

    @Test
    void bobCannotPushIntoAlicesNamespace() {
        CommandResult push = push(registry, "bob", "bob-pw", "alice/from-bob:1").assertFailure();

        assertThat(push.stderr()).as(push.describe()).containsPattern(DENIED);
        assertNothingAt("alice/from-bob:1");
    }

    @Test
    void wrongPasswordIsRefused() {
        CommandResult push = push(registry, "alice", "not-alices-password", "alice/wrong-pw:1").assertFailure();
        assertThat(push.stderr()).as(push.describe()).containsPattern(UNAUTHORIZED);
        assertNothingAt("alice/wrong-pw:1");

        CommandResult unknownUser = push(registry, "mallory", "alice-pw", "mallory/x:1").assertFailure();
        assertThat(unknownUser.stderr()).as(unknownUser.describe()).containsPattern(UNAUTHORIZED);

        CommandResult pull = skopeo.inspectRaw(registry.ref("alice/wrong-pw:1"), Skopeo.creds("alice", "nope"))
                .assertFailure();
        assertThat(pull.stderr()).as(pull.describe()).containsPattern(UNAUTHORIZED);
    }

    @Test
    void aliceCannotPushToTopLevelOrSomeoneElsesNamespace() {
        for (String target : new String[] {"app-by-alice:1", "bob/by-alice:1", "alicex/by-alice:1"}) {
            CommandResult push = push(registry, "alice", "alice-pw", target).assertFailure();
            assertThat(push.stderr()).as(push.describe()).containsPattern(DENIED);
            assertNothingAt(target);
        }
    }

    @Test
    void aliceCanPushNestedRepositoriesUnderHerNamespace() {
        push(registry, "alice", "alice-pw", "alice/team/app:1").assertSuccess();

        assertRawManifest(skopeo, registry.ref("alice/team/app:1"), image.manifest());
    }

    @Test
    void adminCanPushAnywhere() {
        for (String target : new String[] {"app:1", "bob/from-admin:1", "alice/from-admin:1", "library/base:1"}) {
            push(registry, "root", "root-pw", target).assertSuccess();
            assertRawManifest(skopeo, registry.ref(target), image.manifest());
        }
    }

    @Test
    void bobCannotDeleteAlicesImage() {
        push(registry, "alice", "alice-pw", "alice/keep:1").assertSuccess();

        CommandResult delete = skopeo.delete(registry.ref("alice/keep:1"), Skopeo.creds("bob", "bob-pw")).assertFailure();

        assertThat(delete.stderr()).as(delete.describe()).containsPattern(DENIED);
        assertRawManifest(skopeo, registry.ref("alice/keep:1"), image.manifest());
    }

    private CommandResult push(SkiffRegistryProcess target, String user, String password, String repositoryAndTag) {
        return skopeo.copy(layout.reference("image"), target.ref(repositoryAndTag), Skopeo.destCreds(user, password));
    }

    /** Neither the API (with admin rights) nor the disk show the refused push. */
    private void assertNothingAt(String repositoryAndTag) {
        CommandResult inspect = skopeo.inspectRaw(registry.ref(repositoryAndTag), Skopeo.creds("root", "root-pw"))
                .assertFailure();
        assertThat(inspect.stderr()).as(inspect.describe()).containsPattern(NOT_THERE);
        String repository = repositoryAndTag.substring(0, repositoryAndTag.indexOf(':'));
        Path manifests = registry.root().resolve("docker/registry/v2/repositories").resolve(repository).resolve("_manifests");
        assertThat(Files.exists(manifests)).as("%s exists after a refused push", manifests).isFalse();
    }
}
