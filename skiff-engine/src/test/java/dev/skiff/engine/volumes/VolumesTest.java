package dev.skiff.engine.volumes;

import dev.skiff.engine.AtomicFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The local driver's layout and rules, on a plain directory. */
class VolumesTest {
    @TempDir
    Path dataRoot;

    @Test
    void createListGetRemove() throws Exception {
        Volumes volumes = Volumes.open(dataRoot);
        Volume v = volumes.create(Optional.of("data"), "local", Map.of("team", "skiff"), Map.of());
        assertThat(v.mountpoint()).isEqualTo(dataRoot.resolve("volumes/data/_data")).isDirectory();
        assertThat(Files.readString(dataRoot.resolve("volumes/data/volume.json"))).contains("\"team\" : \"skiff\"");
        assertThat(volumes.create(Optional.of("data"), "", Map.of(), Map.of()).created()).isEqualTo(v.created()); // existing one
        Volume anonymous = volumes.create(Optional.empty(), "local", Map.of(Volume.ANONYMOUS_LABEL, ""), Map.of());
        assertThat(anonymous.name()).matches("[0-9a-f]{64}");
        assertThat(anonymous.anonymous()).isTrue();
        assertThat(Volumes.open(dataRoot).list()).extracting(Volume::name).containsExactlyInAnyOrder("data", anonymous.name());
        assertThat(Volumes.open(dataRoot).get("data").labels()).isEqualTo(Map.of("team", "skiff"));

        Files.writeString(v.mountpoint().resolve("f"), "12345");
        assertThat(volumes.size(v)).isEqualTo(5);
        assertThatThrownBy(() -> volumes.remove("data", () -> List.of("abc"), false))
                .isInstanceOf(VolumeException.InUse.class).hasMessage("remove data: volume is in use - [abc]");
        volumes.remove("data", List::of, false);
        assertThat(dataRoot.resolve("volumes/data")).doesNotExist();
        assertThatThrownBy(() -> volumes.get("data")).isInstanceOf(VolumeException.NotFound.class).hasMessage("get data: no such volume");
        volumes.remove("data", List::of, true); // force: absent is fine
    }

    @Test
    void badNamesAndDriversAreRefused() {
        Volumes volumes = Volumes.open(dataRoot);
        assertThatThrownBy(() -> volumes.create(Optional.of("../x"), "local", Map.of(), Map.of()))
                .isInstanceOf(VolumeException.InvalidArgument.class).hasMessageContaining("includes invalid characters");
        assertThatThrownBy(() -> volumes.create(Optional.of("x1"), "nfs", Map.of(), Map.of()))
                .isInstanceOf(VolumeException.InvalidArgument.class).hasMessageContaining("plugin \"nfs\" not found");
        assertThat(volumes.find("../../etc")).isEmpty();
    }

    @Test
    void whatACrashLeftIsDroppedOnOpen() throws Exception {
        Path half = dataRoot.resolve("volumes/" + AtomicFiles.TEMP_PREFIX + "half-123/_data");
        Files.createDirectories(half);
        Volumes volumes = Volumes.open(dataRoot);
        assertThat(half.getParent()).doesNotExist();
        assertThat(volumes.list()).isEmpty();
    }
}
