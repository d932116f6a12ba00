package dev.skiff.engine.containers;

import dev.skiff.engine.volumes.Volume;
import dev.skiff.engine.volumes.Volumes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Planning a container's mounts from Binds, Mounts and Tmpfs, and refusing bad ones in dockerd's words. */
class ContainerMountsTest {
    @TempDir
    Path tmp;

    private static void refused(List<String> binds, List<Mount> mounts, Map<String, String> tmpfs, String message) {
        assertThatThrownBy(() -> ContainerMounts.validate(binds, mounts, tmpfs))
                .isInstanceOf(ContainerException.InvalidArgument.class).hasMessage(message);
    }

    private static void refused(Mount m, String message) {
        refused(List.of(), List.of(m), Map.of(), message);
    }

    @Test
    void badMountsAreRefusedWithDockersWords() {
        refused(Mount.bind("/no/such/path/here", "/b", false),
                "invalid mount config for type \"bind\": bind source path does not exist: /no/such/path/here");
        refused(Mount.bind("", "/b", false), "invalid mount config for type \"bind\": field Source must not be empty");
        refused(Mount.bind("relative", "/b", false),
                "invalid mount config for type \"bind\": invalid mount path: 'relative' mount path must be absolute");
        refused(Mount.bind("/tmp", "", false), "invalid mount config for type \"bind\": field Target must not be empty");
        refused(Mount.volume("v", "/", false), "invalid mount config for type \"volume\": invalid specification: destination can't be '/'");
        refused(Mount.volume("v", "data", false), "invalid mount config for type \"volume\": invalid mount path: 'data' mount path must be absolute");
        refused(new Mount("floppy", "/tmp", "/b", false, null, null, null, null), "invalid mount config for type \"floppy\": mount type unknown");
        refused(Mount.bind("/tmp", "/b", false).withBindOptions(new Mount.BindOptions("sideways", false, false)),
                "invalid mount config for type \"bind\": invalid propagation mode: sideways");
        refused(Mount.volume("v", "/b", false).withBindOptions(new Mount.BindOptions("rshared", false, false)),
                "invalid mount config for type \"volume\": field BindOptions must not be specified");
        refused(new Mount("tmpfs", "/tmp", "/t", false, null, null, null, null), "invalid mount config for type \"tmpfs\": field Source must not be specified");
        refused(new Mount("tmpfs", null, "/t", false, null, null, null, new Mount.TmpfsOptions(0, 0, List.of(List.of("nosuid")))),
                "invalid mount config for type \"tmpfs\": invalid option: nosuid");
        refused(Mount.volume("bad/name", "/b", false), "invalid mount config for type \"volume\": \"bad/name\" includes invalid characters"
                + " for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed");
        refused(new Mount("volume", "v", "/v", false, null, null, new Mount.VolumeOptions(false, null, null, new Mount.Driver("nfs", null)), null),
                "invalid mount config for type \"volume\": error looking up volume plugin nfs: plugin \"nfs\" not found;"
                        + " skiff has only the local driver");
        refused(List.of("/tmp:/d"), List.of(Mount.bind("/tmp", "/d/", false)), Map.of(), "Duplicate mount point: /d/");
        refused(List.of("/tmp:/d"), List.of(), Map.of("/d", ""), "Duplicate mount point: /d");
        refused(List.of(), List.of(), Map.of("run", ""), "invalid mount path: 'run' mount path must be absolute");
        refused(List.of(), List.of(), Map.of("/", ""), "invalid specification: destination can't be '/'");
        refused(List.of(), List.of(), Map.of("/run", "size=1m,sizzle"), "invalid tmpfs option [\"sizzle\"]");
        // a bind that asks for its source to be made may name a missing one
        ContainerMounts.validate(List.of(), List.of(Mount.bind("/no/such/path/here", "/b", false)
                .withBindOptions(new Mount.BindOptions("", false, true))), Map.of());
    }

    @Test
    void mountsArePlannedAfterBindsAndMakeTheirVolumes() throws Exception {
        Volumes volumes = Volumes.open(tmp.resolve("data"));
        Path src = Files.createDirectories(tmp.resolve("src"));
        HostConfig host = HostConfig.defaults().withBinds(List.of(src + ":/from-binds:ro"))
                .withMounts(List.of(Mount.bind(src + "/", "/b/", true).withBindOptions(new Mount.BindOptions("rslave", false, false)),
                        Mount.volume("named", "/named", false), Mount.volume("", "/anon", false),
                        Mount.tmpfs("/t", 1L << 20, 0700)))
                .withTmpfs(Map.of("/image-volume", ""));
        List<MountPoint> planned = ContainerMounts.plan(host, Map.of("/image-volume", Map.of(), "/other", Map.of()), volumes);
        assertThat(planned).extracting(MountPoint::destination).containsExactly("/from-binds", "/b", "/named", "/anon", "/t", "/other");
        MountPoint bind = planned.get(1);
        assertThat(bind).isEqualTo(new MountPoint("bind", "", src, "/b", false, "", "rslave", ""));
        assertThat(planned.get(0).propagation()).isEqualTo("rprivate");
        MountPoint named = planned.get(2);
        assertThat(named.name()).isEqualTo("named");
        assertThat(named.source()).isEqualTo(volumes.get("named").mountpoint());
        assertThat(volumes.get("named").anonymous()).isFalse();
        MountPoint anon = planned.get(3);
        assertThat(anon.name()).matches("[0-9a-f]{64}");
        assertThat(volumes.get(anon.name()).labels()).containsKey(Volume.ANONYMOUS_LABEL);
        assertThat(planned.get(4)).isEqualTo(new MountPoint("tmpfs", "", Path.of(""), "/t", true, "", "", "mode=700,size=1m"));
        // the --tmpfs at /image-volume covers the image's volume there: no anonymous volume for it
        assertThat(volumes.list()).hasSize(3);
    }

    @Test
    void propagationInABindsModeIsKept() {
        assertThat(ContainerMounts.parse("/a:/b:ro,rshared").propagation()).isEqualTo("rshared");
        assertThat(ContainerMounts.parse("/a:/b").propagation()).isEqualTo("rprivate");
        assertThatThrownBy(() -> ContainerMounts.parse("/a:/b:sideways")).hasMessage("invalid mode: sideways");
    }

    @Test
    void sharedAndSlaveBindsNeedASourceMountThatPropagates() throws Exception {
        Path priv = Files.createDirectories(tmp.resolve("private/dir"));
        Path shared = Files.createDirectories(tmp.resolve("shared/dir"));
        Path slave = Files.createDirectories(tmp.resolve("slave/dir"));
        List<String> mountinfo = List.of(
                "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
                "30 22 0:40 / " + tmp.resolve("private") + " rw - tmpfs tmpfs rw",
                "31 22 0:41 / " + tmp.resolve("shared") + " rw shared:7 - tmpfs tmpfs rw",
                "32 22 0:42 / " + tmp.resolve("slave") + " rw master:7 - tmpfs tmpfs rw");
        MountPoint sharedOnPrivate = new MountPoint("bind", "", priv, "/x", true, "", "rshared", "");
        assertThatThrownBy(() -> ContainerMounts.checkPropagation(List.of(sharedOnPrivate), mountinfo))
                .isInstanceOf(ContainerException.StartFailed.class)
                .hasMessage("path " + priv + " is mounted on " + tmp.resolve("private") + " but it is not a shared mount");
        MountPoint slaveOnPrivate = new MountPoint("bind", "", priv, "/x", true, "", "slave", "");
        assertThatThrownBy(() -> ContainerMounts.checkPropagation(List.of(slaveOnPrivate), mountinfo))
                .hasMessage("path " + priv + " is mounted on " + tmp.resolve("private") + " but it is not a shared or slave mount");
        MountPoint sharedOnSlave = new MountPoint("bind", "", slave, "/x", true, "", "rshared", "");
        assertThatThrownBy(() -> ContainerMounts.checkPropagation(List.of(sharedOnSlave), mountinfo))
                .hasMessageContaining("is mounted on " + tmp.resolve("slave") + " but it is not a shared mount");
        ContainerMounts.checkPropagation(List.of(
                new MountPoint("bind", "", shared, "/a", true, "", "rshared", ""),
                new MountPoint("bind", "", shared, "/b", true, "", "rslave", ""),
                new MountPoint("bind", "", slave, "/c", true, "", "rslave", ""),
                new MountPoint("bind", "", priv, "/d", true, "", "rprivate", "")), mountinfo);
    }
}
