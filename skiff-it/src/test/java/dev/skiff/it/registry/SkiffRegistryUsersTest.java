package dev.skiff.it.registry;

import static dev.skiff.it.registry.Pulled.assertRawManifest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.skiff.it.support.BuiltImage;
import dev.skiff.it.support.CommandResult;
import dev.skiff.it.support.ExternalCommand;
import dev.skiff.it.support.OciLayout;
import dev.skiff.it.support.Platform;
import dev.skiff.it.support.RequiredTool;
import dev.skiff.it.support.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code skiff registry user add} writes files Apache's htpasswd reads, and the other way round. */
class SkiffRegistryUsersTest {

    @TempDir
    Path tmp;

    @Test
    void userAddWritesBcryptThatApacheHtpasswdVerifies() throws IOException {
        Path file = tmp.resolve("htpasswd");

        SkiffRegistryProcess.addUser(file, "alice", "s3cret with spaces");

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).singleElement().asString().matches("alice:\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53}");
        htpasswdVerify(file, "alice", "s3cret with spaces").assertSuccess();
        htpasswdVerify(file, "alice", "wrong").assertFailure();
    }

    @Test
    void userAddChangesAPasswordAndKeepsOtherUsers() {
        Path file = Pulled.apacheHtpasswd(tmp.resolve("htpasswd"), "carol", "carol-pw");
        SkiffRegistryProcess.addUser(file, "alice", "first");
        SkiffRegistryProcess.addUser(file, "bob", "bob-pw");

        SkiffRegistryProcess.addUser(file, "alice", "second");

        htpasswdVerify(file, "alice", "second").assertSuccess();
        htpasswdVerify(file, "alice", "first").assertFailure();
        htpasswdVerify(file, "bob", "bob-pw").assertSuccess();
        htpasswdVerify(file, "carol", "carol-pw").assertSuccess();
    }

    @Test
    void usersFromBothToolsCanLogInAndPush() {
        Path file = Pulled.apacheHtpasswd(tmp.resolve("htpasswd"), "carol", "carol-pw");
        SkiffRegistryProcess.addUser(file, "dave", "dave-pw");
        OciLayout layout = OciLayout.create(tmp.resolve("layout"));
        BuiltImage image = TestImages.small(layout, 41, Platform.LINUX_AMD64);
        layout.tag("image", image);
        Skopeo skopeo = new Skopeo(tmp.resolve("skopeo"));

        try (SkiffRegistryProcess registry = SkiffRegistryProcess.serving(tmp.resolve("root")).htpasswd(file).start()) {
            skopeo.copy(layout.reference("image"), registry.ref("carol/app:1"), Skopeo.destCreds("carol", "carol-pw"))
                    .assertSuccess();
            skopeo.copy(layout.reference("image"), registry.ref("dave/app:1"), Skopeo.destCreds("dave", "dave-pw"))
                    .assertSuccess();

            assertRawManifest(skopeo, registry.ref("carol/app:1"), image.manifest());
            assertRawManifest(skopeo, registry.ref("dave/app:1"), image.manifest());
        }
    }

    private static CommandResult htpasswdVerify(Path file, String user, String password) {
        return ExternalCommand.of(RequiredTool.HTPASSWD.command(), "-v", "-b", file.toString(), user, password).run();
    }
}
