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
                Optional.of(Path.of("/run/netns/n1")), ProcessUser.ROOT, List.of(), JSON);
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
        JsonNode spec = OciSpec.build(container(ContainerConfig.of("img", List.of("true")), host), Optional.empty(), ProcessUser.ROOT, List.of(), JSON);
        assertThat(texts(spec.at("/process/capabilities/effective"))).contains("CAP_SYS_ADMIN").doesNotContain("CAP_NET_RAW", "CAP_CHOWN");
        assertThat(texts(spec.at("/linux/seccomp/syscalls/0/names"))).doesNotContain("mount", "setns").contains("reboot");
        assertThat(spec.at("/linux/namespaces").findValuesAsText("type")).doesNotContain("network"); // host network

        HostConfig none = HostConfig.defaults().withCaps(List.of("NET_BIND_SERVICE"), List.of("ALL"));
        JsonNode minimal = OciSpec.build(container(ContainerConfig.of("img", List.of("true")), none), Optional.empty(), ProcessUser.ROOT, List.of(), JSON);
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
}
