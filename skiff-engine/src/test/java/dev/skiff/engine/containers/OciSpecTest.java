package dev.skiff.engine.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.engine.images.ImageConfig;
import dev.skiff.formats.Digest;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The spec a container gets, without running anything: docker's defaults and the run's options. */
class OciSpecTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "0123456789ab" + "c".repeat(52);

    private static Container container(ContainerConfig config, HostConfig host) {
        return new Container(ID, "/x", Instant.EPOCH, Digest.parse("sha256:" + "a".repeat(64)), config.withHostname(ID.substring(0, 12)),
                host, ContainerState.created(), 0, Optional.empty(), Path.of("/data/containers", ID));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void defaultsAreDockers() {
        JsonNode spec = OciSpec.build(container(ContainerConfig.of("img", List.of("sh", "-c", "true")), HostConfig.defaults()),
                Optional.of(Path.of("/run/netns/n1")), ProcessUser.ROOT, List.of(), ContainerEngine.DEFAULT_INIT_BINARY, JSON);
        assertThat(texts(spec.at("/process/args"))).containsExactly("sh", "-c", "true");
        assertThat(texts(spec.at("/process/env"))).containsExactly(OciSpec.DEFAULT_PATH, "HOSTNAME=0123456789ab");
        assertThat(texts(spec.at("/process/capabilities/bounding"))).hasSize(14).containsAll(Capabilities.DEFAULTS);
        assertThat(spec.at("/hostname").asText()).isEqualTo("0123456789ab");
        assertThat(texts(spec.at("/linux/maskedPaths"))).contains("/proc/kcore", "/proc/keys", "/sys/firmware", "/proc/timer_list");
        assertThat(texts(spec.at("/linux/readonlyPaths"))).containsExactly("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
        assertThat(spec.at("/linux/namespaces").findValuesAsText("type")).containsExactly("pid", "ipc", "uts", "mount", "network");
        assertThat(spec.at("/linux/namespaces/4/path").asText()).isEqualTo("/run/netns/n1");
        assertThat(spec.at("/linux/cgroupsPath").asText()).isEqualTo("/skiff/" + ID);
        assertThat(spec.at("/mounts").findValuesAsText("destination")).contains("/proc", "/dev", "/dev/pts", "/dev/shm",
                "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/etc/resolv.conf", "/etc/hostname", "/etc/hosts");
        List<String> blocked = texts(spec.at("/linux/seccomp/syscalls/0/names"));
        assertThat(blocked).contains("mount", "umount2", "kexec_load", "init_module", "reboot", "bpf", "keyctl", "setns", "unshare");
        assertThat(spec.at("/linux/seccomp/defaultAction").asText()).isEqualTo("SCMP_ACT_ALLOW");
    }

    @Test
    void capabilityChangesReachCapsAndSeccomp() {
        HostConfig host = HostConfig.defaults().withCaps(List.of("SYS_ADMIN"), List.of("NET_RAW", "CAP_CHOWN"));
        JsonNode spec = OciSpec.build(container(ContainerConfig.of("img", List.of("true")), host), Optional.empty(), ProcessUser.ROOT, List.of(), ContainerEngine.DEFAULT_INIT_BINARY, JSON);
        assertThat(texts(spec.at("/process/capabilities/effective"))).contains("CAP_SYS_ADMIN").doesNotContain("CAP_NET_RAW", "CAP_CHOWN");
        assertThat(texts(spec.at("/linux/seccomp/syscalls/0/names"))).doesNotContain("mount", "setns").contains("reboot");
        assertThat(spec.at("/linux/namespaces").findValuesAsText("type")).doesNotContain("network"); // host network

        HostConfig none = HostConfig.defaults().withCaps(List.of("NET_BIND_SERVICE"), List.of("ALL"));
        JsonNode minimal = OciSpec.build(container(ContainerConfig.of("img", List.of("true")), none), Optional.empty(), ProcessUser.ROOT, List.of(), ContainerEngine.DEFAULT_INIT_BINARY, JSON);
        assertThat(texts(minimal.at("/process/capabilities/bounding"))).containsExactly("CAP_NET_BIND_SERVICE");
    }

    @Test
    void imageConfigFillsTheRunsGapsAsDockerMerges() {
        ImageConfig.ContainerConfig image = ImageConfig.ContainerConfig.EMPTY.withEnv(List.of("PATH=/img/bin", "A=image"))
                .withEntrypoint(List.of("/entry")).withCmd(List.of("default-arg")).withWorkingDir("/app").withUser("nobody");
        ContainerConfig plain = ImageDefaults.merge(ContainerConfig.of("img", null).withEnv(List.of("A=run")), image);
        assertThat(plain.args()).containsExactly("/entry", "default-arg");
        assertThat(plain.env()).containsExactly("A=run", "PATH=/img/bin");
        assertThat(plain.workingDir()).isEqualTo("/app");
        assertThat(plain.user()).isEqualTo("nobody");
        assertThat(OciSpec.environment(plain.withHostname("h"))).containsExactly("PATH=/img/bin", "HOSTNAME=h", "A=run");

        assertThat(ImageDefaults.merge(ContainerConfig.of("img", List.of("x")), image).args()).containsExactly("/entry", "x");
        // a run's entrypoint drops the image's Cmd
        assertThat(ImageDefaults.merge(ContainerConfig.of("img", null).withEntrypoint(List.of("/other")), image).args()).containsExactly("/other");
    }

    @Test
    void wireJsonHasDockersNamesOnly() {
        JsonNode config = JSON.valueToTree(ContainerConfig.of("img", List.of("true")));
        assertThat(config.has("Cmd")).isTrue();
        assertThat(config.has("Image")).isTrue();
        assertThat(config.has("args")).isFalse();
        assertThat(config.properties()).allSatisfy(e -> assertThat(e.getKey()).matches("[A-Z].*"));
        JsonNode host = JSON.valueToTree(HostConfig.defaults());
        assertThat(host.properties()).allSatisfy(e -> assertThat(e.getKey()).matches("[A-Z].*"));
        assertThat(host.at("/RestartPolicy/Name").asText()).isEqualTo("no");
    }

    private static JsonNode mountAt(JsonNode spec, String destination) {
        for (JsonNode m : spec.at("/mounts")) {
            if (m.path("destination").asText().equals(destination)) {
                return m;
            }
        }
        throw new AssertionError("no mount at " + destination + " in " + spec.at("/mounts"));
    }

    @Test
    void tmpfsMountsGetDockersDefaultsThenTheUsersOptions() {
        HostConfig host = HostConfig.defaults().withTmpfs(java.util.Map.of("/run", "size=64m,mode=1777", "/scratch", "", "/x", "exec,size=1k"));
        List<MountPoint> planned = List.of(new MountPoint("tmpfs", "", Path.of(""), "/cache", false, "", "",
                ContainerMounts.tmpfsData(new Mount("tmpfs", null, "/cache", true, null, null, null, new Mount.TmpfsOptions(64L << 20, 01777, null)))));
        JsonNode spec = OciSpec.build(container(ContainerConfig.of("img", List.of("true")), host), Optional.empty(), ProcessUser.ROOT,
                planned, ContainerEngine.DEFAULT_INIT_BINARY, JSON);
        JsonNode run = mountAt(spec, "/run");
        assertThat(run.path("type").asText()).isEqualTo("tmpfs");
        assertThat(run.path("source").asText()).isEqualTo("tmpfs");
        assertThat(texts(run.path("options"))).containsExactly("noexec", "nosuid", "nodev", "rprivate", "size=64m", "mode=1777");
        assertThat(texts(mountAt(spec, "/scratch").path("options"))).containsExactly("noexec", "nosuid", "nodev", "rprivate");
        // exec given by the user replaces Docker's noexec, in the user's place
        assertThat(texts(mountAt(spec, "/x").path("options"))).containsExactly("nosuid", "nodev", "rprivate", "exec", "size=1k");
        assertThat(texts(mountAt(spec, "/cache").path("options"))).containsExactly("noexec", "nosuid", "nodev", "rprivate", "ro", "mode=1777", "size=64m");
    }

    @Test
    void tmpfsOptionsMergeAsMobyMergesThemAndUnknownOnesAreRefused() {
        assertThat(OciSpec.mergeTmpfsOptions(List.of("noexec", "nosuid", "nodev", "rprivate", "rw", "size=1m", "ro", "size=2m", "rshared")))
                .containsExactly("noexec", "nosuid", "nodev", "ro", "size=2m", "rshared");
        assertThatThrownBy(() -> OciSpec.mergeTmpfsOptions(List.of("noexec", "bogus")))
                .isInstanceOf(ContainerException.InvalidArgument.class).hasMessage("invalid tmpfs option [\"bogus\"]");
        assertThatThrownBy(() -> OciSpec.mergeTmpfsOptions(List.of("colour=red")))
                .isInstanceOf(ContainerException.InvalidArgument.class).hasMessage("invalid tmpfs option [\"colour\" \"red\"]");
    }

    @Test
    void userMountsComeParentsFirstReplaceDefaultsAtTheirPathAndKeepTheirPropagation() {
        List<MountPoint> planned = List.of(
                new MountPoint("bind", "", Path.of("/h/inner"), "/data/inner", false, "ro"),
                new MountPoint("bind", "", Path.of("/h/data"), "/data", true, "", "rslave", ""),
                new MountPoint("bind", "", Path.of("/h/hosts"), "/etc/hosts", true, ""));
        HostConfig host = HostConfig.defaults().withTmpfs(java.util.Map.of("/dev/shm", "size=1m"));
        JsonNode spec = OciSpec.build(container(ContainerConfig.of("img", List.of("true")), host), Optional.empty(), ProcessUser.ROOT,
                planned, ContainerEngine.DEFAULT_INIT_BINARY, JSON);
        List<String> destinations = spec.at("/mounts").findValuesAsText("destination");
        assertThat(destinations).containsOnlyOnce("/etc/hosts", "/dev/shm");
        assertThat(destinations.indexOf("/data")).isLessThan(destinations.indexOf("/data/inner"));
        assertThat(mountAt(spec, "/etc/hosts").path("source").asText()).isEqualTo("/h/hosts");
        assertThat(mountAt(spec, "/dev/shm").path("type").asText()).isEqualTo("tmpfs");
        assertThat(texts(mountAt(spec, "/dev/shm").path("options"))).contains("size=1m").doesNotContain("size=" + HostConfig.DEFAULT_SHM_SIZE);
        assertThat(texts(mountAt(spec, "/data").path("options"))).containsExactly("rbind", "rslave");
        assertThat(texts(mountAt(spec, "/data/inner").path("options"))).containsExactly("rbind", "rprivate", "ro");
        assertThat(spec.at("/linux/rootfsPropagation").asText()).isEqualTo("rslave");

        // bind-nonrecursive: a plain bind, without what is mounted below the source
        HostConfig flat = HostConfig.defaults().withMounts(List.of(Mount.bind("/h/data", "/data", false)
                .withBindOptions(new Mount.BindOptions("", true, false))));
        JsonNode nonRecursive = OciSpec.build(container(ContainerConfig.of("img", List.of("true")), flat), Optional.empty(), ProcessUser.ROOT,
                List.of(new MountPoint("bind", "", Path.of("/h/data"), "/data", true, "")), ContainerEngine.DEFAULT_INIT_BINARY, JSON);
        assertThat(texts(mountAt(nonRecursive, "/data").path("options"))).containsExactly("bind", "rprivate");
    }

    @Test
    void initRunsAsPidOneFromAReadOnlyBindOfTheHostsBinary() {
        ContainerConfig cfg = ContainerConfig.of("img", List.of("sleep", "60"));
        JsonNode plain = OciSpec.build(container(cfg, HostConfig.defaults()), Optional.empty(), ProcessUser.ROOT, List.of(),
                Path.of("/opt/tini"), JSON);
        assertThat(texts(plain.at("/process/args"))).containsExactly("sleep", "60");
        assertThat(plain.at("/mounts").findValuesAsText("destination")).doesNotContain(OciSpec.INIT_PATH);

        JsonNode init = OciSpec.build(container(cfg, HostConfig.defaults().withInit(true)), Optional.empty(), ProcessUser.ROOT, List.of(),
                Path.of("/opt/tini"), JSON);
        assertThat(texts(init.at("/process/args"))).containsExactly("/sbin/docker-init", "--", "sleep", "60");
        JsonNode m = mountAt(init, "/sbin/docker-init");
        assertThat(m.path("source").asText()).isEqualTo("/opt/tini");
        assertThat(m.path("type").asText()).isEqualTo("bind");
        assertThat(texts(m.path("options"))).containsExactly("bind", "ro");
        // Init false, as the API may send it, is no init
        JsonNode off = OciSpec.build(container(cfg, HostConfig.defaults().withInit(false)), Optional.empty(), ProcessUser.ROOT, List.of(),
                Path.of("/opt/tini"), JSON);
        assertThat(texts(off.at("/process/args"))).containsExactly("sleep", "60");
    }

    @Test
    void mountsAndTmpfsTravelWithDockersNamesAndOmitWhatIsEmpty() throws Exception {
        HostConfig host = JSON.readValue("""
                {"Mounts":[{"Type":"bind","Source":"/a","Target":"/b","ReadOnly":true,"BindOptions":{"Propagation":"rshared"}},
                           {"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":67108864,"Mode":1023}},
                           {"Type":"volume","Target":"/v","VolumeOptions":{"NoCopy":true,"DriverConfig":{}}}],
                 "Tmpfs":{"/run":"size=1m","/n":null},"Init":true}""", HostConfig.class);
        assertThat(host.tmpfs()).containsExactly(java.util.Map.entry("/n", ""), java.util.Map.entry("/run", "size=1m"));
        assertThat(host.mounts()).hasSize(3);
        assertThat(host.mounts().get(1).tmpfsOptions().mode()).isEqualTo(01777);
        assertThat(host.runsInit()).isTrue();
        JsonNode out = JSON.valueToTree(host);
        assertThat(out.path("Mounts").toString()).isEqualTo("[{\"Type\":\"bind\",\"Source\":\"/a\",\"Target\":\"/b\",\"ReadOnly\":true,"
                + "\"BindOptions\":{\"Propagation\":\"rshared\"}},{\"Type\":\"tmpfs\",\"Target\":\"/t\",\"TmpfsOptions\":{\"SizeBytes\":67108864,"
                + "\"Mode\":1023}},{\"Type\":\"volume\",\"Target\":\"/v\",\"VolumeOptions\":{\"NoCopy\":true,\"DriverConfig\":{}}}]");
        assertThat(out.path("Tmpfs").toString()).isEqualTo("{\"/n\":\"\",\"/run\":\"size=1m\"}");
        JsonNode none = JSON.valueToTree(HostConfig.defaults());
        assertThat(none.has("Mounts")).isFalse();
        assertThat(none.has("Tmpfs")).isFalse();
    }
}
