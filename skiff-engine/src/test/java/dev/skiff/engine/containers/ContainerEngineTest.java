package dev.skiff.engine.containers;

import dev.skiff.engine.images.ImageNotFoundException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Containers run for real: runc under conmon, on overlayfs, as root. */
class ContainerEngineTest {
    @TempDir
    Path tmp;

    private Path dataRoot;
    private Path execRoot;
    private BusyboxImage busybox;
    private ContainerEngine engine;
    private final List<ContainerEvent> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        dataRoot = tmp.resolve("data");
        execRoot = tmp.resolve("exec");
        busybox = new BusyboxImage(dataRoot);
        engine = open();
    }

    private ContainerEngine open() {
        return ContainerEngine.open(dataRoot, execRoot, busybox.images, busybox.snapshots, new LoopbackNetworking(), events::add);
    }

    @AfterEach
    void tearDown() {
        for (Container c : engine.list()) {
            try {
                engine.remove(c.id(), true);
            } catch (RuntimeException e) {
                System.err.println("cleanup of " + c.id() + ": " + e.getMessage());
            }
        }
        engine.close();
        assertThat(Rootfs.anythingMountedUnder(tmp)).as("mounts left under " + tmp).isFalse();
    }

    private Container run(String... cmd) {
        Container c = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of(cmd)), HostConfig.defaults());
        engine.start(c.id());
        return c;
    }

    private int exitCode(Container c) throws Exception {
        return engine.wait(c.id(), WaitCondition.NOT_RUNNING).get(20, TimeUnit.SECONDS);
    }

    private String logs(Container c) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        engine.logs(c.id(), LogOptions.all(), () -> true, (stream, bytes) -> out.writeBytes(bytes));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void runsACommandRecordsItsOutputAndExitCodeAndRemovesEverything() throws Exception {
        Container c = run("sh", "-c", "echo $GREETING from $(hostname); echo oops >&2; exit 3");
        assertThat(exitCode(c)).isEqualTo(3);
        Container done = engine.get(c.id());
        assertThat(done.state().status()).isEqualTo(ContainerState.Status.EXITED);
        assertThat(done.state().exitCode()).isEqualTo(3);
        assertThat(done.state().pid()).isZero();
        assertThat(logs(c)).isEqualTo("hello from " + c.id().substring(0, 12) + "\noops\n");
        assertThat(Rootfs.isMounted(c.rootfs())).isFalse();
        assertThat(Files.exists(Path.of("/run/netns", LoopbackNetworking.nsName(c.id())))).isFalse();

        engine.remove(c.id(), false);
        assertThat(Files.exists(c.dir())).isFalse();
        assertThat(engine.list()).isEmpty();
        assertThat(events).extracting(ContainerEvent::action).containsSubsequence("create", "start", "die", "destroy");
    }

    @Test
    void stopSendsSigtermThenSigkillAfterTheTimeout() throws Exception {
        // busybox sleep as PID 1 has no SIGTERM handler, so the kernel ignores SIGTERM: SIGKILL must follow
        Container c = run("sleep", "600");
        assertThat(engine.get(c.id()).state().status()).isEqualTo(ContainerState.Status.RUNNING);
        assertThat(engine.start(c.id())).isFalse();
        assertThatThrownBy(() -> engine.remove(c.id(), false)).isInstanceOf(ContainerException.Conflict.class)
                .hasMessage("You cannot remove a running container " + c.id() + ". Stop the container before attempting removal or force remove");
        long t0 = System.nanoTime();
        assertThat(engine.stop(c.id(), OptionalInt.of(1))).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(900L, 8000L);
        assertThat(engine.get(c.id()).state().exitCode()).isEqualTo(137);
        assertThat(engine.stop(c.id(), OptionalInt.empty())).isFalse();
    }

    @Test
    void aProcessThatHandlesSigtermStopsAtOnce() throws Exception {
        Container c = run("sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done");
        long t0 = System.nanoTime();
        engine.stop(c.id(), OptionalInt.of(20));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5000L);
        assertThat(engine.get(c.id()).state().exitCode()).isZero();
    }

    @Test
    void aMissingCommandFailsLikeDockerAndLeavesNothingBehind() {
        Container c = engine.create(Optional.of("missing-cmd"), ContainerConfig.of(BusyboxImage.TAG, List.of("nope")), HostConfig.defaults());
        assertThatThrownBy(() -> engine.start(c.id()))
                .isInstanceOfSatisfying(ContainerException.StartFailed.class, e -> assertThat(e.exitCode()).isEqualTo(127))
                .hasMessageContaining("OCI runtime create failed")
                .hasMessageContaining("exec: \"nope\": executable file not found in $PATH");
        Container after = engine.get("missing-cmd");
        assertThat(after.state().status()).isEqualTo(ContainerState.Status.CREATED);
        assertThat(after.state().exitCode()).isEqualTo(127);
        assertThat(Rootfs.isMounted(c.rootfs())).isFalse();
        assertThat(Files.exists(Path.of("/run/netns", LoopbackNetworking.nsName(c.id())))).isFalse();

        Container notExecutable = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("/bin/not-executable")), HostConfig.defaults());
        assertThatThrownBy(() -> engine.start(notExecutable.id()))
                .isInstanceOfSatisfying(ContainerException.StartFailed.class, e -> assertThat(e.exitCode()).isEqualTo(126));
    }

    @Test
    void namesAndPrefixesResolveAsInDocker() {
        assertThatThrownBy(() -> engine.create(Optional.empty(), ContainerConfig.of("no-such-image-here", List.of("true")), HostConfig.defaults()))
                .isInstanceOf(ImageNotFoundException.class).hasMessageStartingWith("No such image: no-such-image-here");
        Container a = engine.create(Optional.of("web"), ContainerConfig.of(BusyboxImage.TAG, List.of("true")), HostConfig.defaults());
        assertThat(a.name()).isEqualTo("/web");
        assertThatThrownBy(() -> engine.create(Optional.of("web"), ContainerConfig.of(BusyboxImage.TAG, List.of("true")), HostConfig.defaults()))
                .isInstanceOf(ContainerException.Conflict.class)
                .hasMessage("Conflict. The container name \"/web\" is already in use by container \"" + a.id()
                        + "\". You have to remove (or rename) that container to be able to reuse that name.");
        assertThat(engine.get("web").id()).isEqualTo(a.id());
        assertThat(engine.get("/web").id()).isEqualTo(a.id());
        assertThat(engine.get(a.id().substring(0, 5)).id()).isEqualTo(a.id());
        assertThatThrownBy(() -> engine.get("zzz")).isInstanceOf(ContainerException.NotFound.class).hasMessage("No such container: zzz");
        Container b = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("true")), HostConfig.defaults());
        assertThat(b.name()).matches("/[a-z]+_[a-z]+\\d?");
        engine.rename("web", "site");
        assertThat(engine.get("site").id()).isEqualTo(a.id());
        assertThatThrownBy(() -> engine.get("web")).isInstanceOf(ContainerException.NotFound.class);
    }

    @Test
    void theContainerIsIsolatedFromTheHost() throws Exception {
        Container c = run("sh", "-c", String.join("; ",
                "echo procs=$(ls /proc | grep -c '^[0-9]')",
                "echo kcore=$(cat /proc/kcore | wc -c)",
                "mount -t tmpfs none /mnt 2>/dev/null && echo mounted || echo mount-refused",
                "echo sysrq > /proc/sysrq-trigger 2>/dev/null && echo sysrq-written || echo sysrq-refused",
                "echo uid=$(id -u)"));
        assertThat(exitCode(c)).isZero();
        String out = logs(c);
        assertThat(out).contains("kcore=0", "mount-refused", "sysrq-refused", "uid=0");
        int procs = Integer.parseInt(out.lines().filter(l -> l.startsWith("procs=")).findFirst().orElseThrow().substring(6));
        assertThat(procs).as("processes the container sees").isBetween(1, 4);
    }

    @Test
    void userAndEnvironmentFollowDockersRules() throws Exception {
        ContainerConfig cfg = ContainerConfig.of(BusyboxImage.TAG, List.of("sh", "-c", "echo $(id -u):$(id -g):$(id -G) $GREETING $EXTRA; env | grep -c ^PATH="))
                .withUser("nobody").withEnv(List.of("EXTRA=x", "GREETING=hi"));
        Container c = engine.create(Optional.empty(), cfg, HostConfig.defaults());
        engine.start(c.id());
        assertThat(exitCode(c)).isZero();
        assertThat(logs(c)).isEqualTo("65534:65534:65534 50 hi x\n1\n");
    }

    @Test
    void autoRemoveRemovesTheContainerWhenItExits() throws Exception {
        Container c = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("true")), HostConfig.defaults().withAutoRemove(true));
        var removed = engine.wait(c.id(), WaitCondition.REMOVED);
        engine.start(c.id());
        assertThat(removed.get(20, TimeUnit.SECONDS)).isZero();
        assertThat(engine.list()).isEmpty();
        assertThat(Files.exists(c.dir())).isFalse();
    }

    @Test
    void aRemovedContainersDirectoryIsGoneOnceTheEngineClosesAndOneACrashLeftAsideOnTheNextOpen() throws Exception {
        Container c = run("sh", "-c", "i=0; while [ $i -lt 200 ]; do echo $i > /file$i; i=$((i+1)); done");
        assertThat(exitCode(c)).isZero();
        engine.remove(c.id(), false);
        assertThat(Files.exists(c.dir())).isFalse();
        engine.close();
        try (var left = Files.list(c.dir().getParent())) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(c.id()));
        }

        // What a crash leaves after the rename, before the deletion finished.
        Path aside = c.dir().resolveSibling(".removed-" + c.id());
        Files.createDirectories(aside.resolve("upper/etc"));
        Files.writeString(aside.resolve("upper/etc/leftover"), "x");
        engine = open();
        assertThat(aside).doesNotExist();
    }

    @Test
    void containersOutliveTheEngineAndExitsWhileItWasClosedAreFound() throws Exception {
        Container sleeper = run("sleep", "600");
        Container quitter = run("sh", "-c", "sleep 1; exit 7");
        engine.close();
        Thread.sleep(2000);
        engine = open();
        Container s = engine.get(sleeper.id());
        assertThat(s.state().status()).isEqualTo(ContainerState.Status.RUNNING);
        assertThat(s.state().pid()).isPositive();
        assertThat(Files.exists(Path.of("/proc", Integer.toString(s.state().pid())))).isTrue();
        assertThat(engine.get(quitter.id()).state().status()).isEqualTo(ContainerState.Status.EXITED);
        assertThat(engine.get(quitter.id()).state().exitCode()).isEqualTo(7);
        engine.stop(sleeper.id(), OptionalInt.of(1));
        assertThat(engine.get(sleeper.id()).state().exitCode()).isEqualTo(137);
    }

    @Test
    void logsSelectStreamsAndTail() throws Exception {
        Container c = run("sh", "-c", "echo one; echo two >&2; echo three; printf partial");
        exitCode(c);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        engine.logs(c.id(), new LogOptions(true, false, false, 2, Optional.empty(), Optional.empty(), false), () -> true,
                (s, b) -> out.writeBytes(b));
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("three\npartial");
        List<String> stamped = new ArrayList<>();
        engine.logs(c.id(), new LogOptions(false, true, false, -1, Optional.empty(), Optional.empty(), true), () -> true,
                (s, b) -> stamped.add(new String(b, StandardCharsets.UTF_8)));
        assertThat(stamped).singleElement().asString().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z two\n");
    }

    @Test
    void resourceLimitsReachTheCgroup() throws Exception {
        HostConfig limited = HostConfig.defaults().withResources(64L << 20, 500_000_000L, 50L);
        Container c = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("sh", "-c", String.join("; ",
                "cat /sys/fs/cgroup/memory/memory.limit_in_bytes",
                "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us",
                "cat /sys/fs/cgroup/pids/pids.max"))), limited);
        engine.start(c.id());
        assertThat(exitCode(c)).isZero();
        assertThat(logs(c)).isEqualTo((64L << 20) + "\n50000\n100000\n50\n");
    }

    @Test
    void crunRunsContainersWhereCgroupsAreUnified() throws Exception {
        if (OciRuntime.hybridCgroups()) {
            assertThatThrownBy(() -> engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("true")),
                    HostConfig.defaults().withRuntime("crun"))).isInstanceOf(ContainerException.InvalidArgument.class)
                    .hasMessageContaining("use runc");
            return;
        }
        Container c = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("sh", "-c", "echo via crun; exit 4")),
                HostConfig.defaults().withRuntime("crun"));
        engine.start(c.id());
        assertThat(exitCode(c)).isEqualTo(4);
        assertThat(logs(c)).isEqualTo("via crun\n");
        assertThatThrownBy(() -> engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("true")),
                HostConfig.defaults().withRuntime("kata"))).isInstanceOf(ContainerException.InvalidArgument.class)
                .hasMessage("Unknown runtime specified kata");
    }

    @Test
    void followingLogsStreamsUntilTheContainerExits() throws Exception {
        Container c = run("sh", "-c", "for i in 1 2 3; do echo line$i; sleep 0.3; done");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        engine.logs(c.id(), new LogOptions(true, true, true, -1, Optional.empty(), Optional.empty(), false), () -> true,
                (s, b) -> out.writeBytes(b));
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("line1\nline2\nline3\n");
        assertThat(engine.get(c.id()).state().status()).isEqualTo(ContainerState.Status.EXITED);
    }

    @Test
    void pauseFreezesAndUnpauseThaws() throws Exception {
        Container c = run("sleep", "600");
        engine.pause(c.id());
        assertThat(engine.get(c.id()).state().status()).isEqualTo(ContainerState.Status.PAUSED);
        assertThatThrownBy(() -> engine.pause(c.id())).isInstanceOf(ContainerException.Conflict.class);
        engine.unpause(c.id());
        assertThat(engine.get(c.id()).state().status()).isEqualTo(ContainerState.Status.RUNNING);
        engine.pause(c.id());
        engine.remove(c.id(), true); // a paused container can be force-removed
        assertThat(engine.list()).isEmpty();
    }

    @Test
    void onFailureRestartsUpToItsLimitAndStopEndsAlways() throws Exception {
        Container flaky = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("sh", "-c", "echo run; exit 2")),
                HostConfig.defaults().withRestartPolicy(new HostConfig.RestartPolicy("on-failure", 2)));
        engine.start(flaky.id());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (engine.get(flaky.id()).restartCount() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        exitCode(flaky);
        Thread.sleep(1000); // a third restart would have happened by now
        assertThat(engine.get(flaky.id()).restartCount()).isEqualTo(2);
        assertThat(engine.get(flaky.id()).state().status()).isEqualTo(ContainerState.Status.EXITED);
        assertThat(logs(flaky)).isEqualTo("run\nrun\nrun\n");

        Container always = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("sleep", "600")),
                HostConfig.defaults().withRestartPolicy(new HostConfig.RestartPolicy("always", 0)));
        engine.start(always.id());
        engine.stop(always.id(), OptionalInt.of(1));
        Thread.sleep(500);
        assertThat(engine.get(always.id()).state().status()).isEqualTo(ContainerState.Status.EXITED);
    }

    @Test
    void afterARebootContainersWithARestartPolicyStartAgainAndOthersShowTheUnknownExit() throws Exception {
        Container always = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("sleep", "600")),
                HostConfig.defaults().withRestartPolicy(new HostConfig.RestartPolicy("always", 0)));
        engine.start(always.id());
        Container plain = run("sleep", "600");
        List<Container> both = List.of(engine.get(always.id()), engine.get(plain.id()));
        engine.close();
        // a reboot, as the containers see it: each monitor gone first (so no exit is written), then the process
        for (Container c : both) {
            int monitor = Integer.parseInt(Files.readString(Conmon.pidFile(c)).trim());
            ProcessHandle.of(monitor).ifPresent(ProcessHandle::destroyForcibly);
            ProcessHandle.of(c.state().pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
        Thread.sleep(500);
        engine = open();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!(engine.get(always.id()).state().running() && engine.get(always.id()).restartCount() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        Container back = engine.get(always.id());
        assertThat(back.state().status()).as("--restart always: started again").isEqualTo(ContainerState.Status.RUNNING);
        assertThat(back.restartCount()).isEqualTo(1);
        assertThat(Files.exists(Path.of("/proc", Integer.toString(back.state().pid())))).isTrue();
        Container gone = engine.get(plain.id());
        assertThat(gone.state().status()).isEqualTo(ContainerState.Status.EXITED);
        assertThat(gone.state().exitCode()).as("docker's unknown exit").isEqualTo(255);
        engine.stop(always.id(), OptionalInt.of(1));
    }

    @Test
    void bindMountsShareHostDirectoriesReadOnlyWhenAsked() throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.writeString(shared.resolve("in.txt"), "from host\n");
        Container c = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("sh", "-c",
                        "cat /rw/in.txt; echo from container > /rw/out.txt; (echo x > /ro/y) 2>/dev/null || echo ro-refused")),
                HostConfig.defaults().withBinds(List.of(shared + ":/rw", shared + ":/ro:ro")));
        engine.start(c.id());
        assertThat(exitCode(c)).isZero();
        assertThat(logs(c)).isEqualTo("from host\nro-refused\n");
        assertThat(Files.readString(shared.resolve("out.txt"))).isEqualTo("from container\n");
    }

    @Test
    void twentyContainersStartedAtOnceAllRunAndExit() throws Exception {
        List<Container> created = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            created.add(engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("sh", "-c", "echo " + i + "; exit " + i)),
                    HostConfig.defaults()));
        }
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Boolean>> started = new ArrayList<>();
            for (Container c : created) {
                started.add(pool.submit(() -> engine.start(c.id())));
            }
            for (var f : started) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isTrue();
            }
        }
        for (int i = 0; i < 20; i++) {
            assertThat(exitCode(created.get(i))).isEqualTo(i);
            assertThat(logs(created.get(i))).isEqualTo(i + "\n");
        }
        assertThat(engine.list()).hasSize(20).allSatisfy(c -> assertThat(c.state().status()).isEqualTo(ContainerState.Status.EXITED));
    }

    @Test
    void aReadOnlyRootfsRefusesWritesButItsEtcFilesAndShmStayWritable() throws Exception {
        Container c = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("sh", "-c",
                        "(echo x > /file) 2>/dev/null || echo root-refused; echo ok > /dev/shm/f && cat /dev/shm/f; cat /etc/hostname")),
                HostConfig.defaults().withReadonlyRootfs(true));
        engine.start(c.id());
        assertThat(exitCode(c)).isZero();
        assertThat(logs(c)).isEqualTo("root-refused\nok\n" + c.id().substring(0, 12) + "\n");
    }

    @Test
    void mountFlagsBindVolumesAndTmpfsAsDockerDoes() throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.writeString(shared.resolve("in.txt"), "from host\n");
        HostConfig host = HostConfig.defaults()
                .withMounts(List.of(Mount.bind(shared.toString(), "/ro", true), Mount.volume("mount-test-data", "/named", false),
                        Mount.volume("", "/anon", false), Mount.tmpfs("/t", 1L << 20, 01777)))
                .withTmpfs(java.util.Map.of("/run/x", "size=64m,mode=1770"));
        Container c = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("sh", "-c", String.join("; ",
                "cat /ro/in.txt", "(echo x > /ro/y) 2>/dev/null || echo ro-refused", "echo kept > /named/f", "echo a > /anon/f",
                "grep -E ' /(t|run/x) ' /proc/mounts", "busybox stat -c '%n %a' /t /run/x"))), host);
        List<MountPoint> mounts = engine.mounts(c);
        assertThat(mounts).extracting(MountPoint::type).containsExactly("bind", "volume", "volume", "tmpfs");
        assertThat(mounts.get(0).propagation()).isEqualTo("rprivate");
        assertThat(engine.volumes().get("mount-test-data").anonymous()).isFalse();
        assertThat(engine.volumes().get(mounts.get(2).name()).anonymous()).isTrue();
        engine.start(c.id());
        assertThat(exitCode(c)).isZero();
        List<String> lines = logs(c).lines().toList();
        assertThat(lines.subList(0, 2)).containsExactly("from host", "ro-refused");
        assertThat(lines).anyMatch(l -> l.matches("tmpfs /t tmpfs rw,nosuid,nodev,noexec,\\S*size=1024k\\S* 0 0"));
        assertThat(lines).anyMatch(l -> l.matches("tmpfs /run/x tmpfs rw,nosuid,nodev,noexec,\\S*size=65536k,mode=1770\\S* 0 0"));
        assertThat(lines).contains("/t 1777", "/run/x 1770");
        assertThat(Files.readString(engine.volumes().get("mount-test-data").mountpoint().resolve("f"))).isEqualTo("kept\n");
        assertThat(Files.exists(shared.resolve("y"))).isFalse();

        String anonymous = mounts.get(2).name();
        engine.remove(c.id(), false, true);
        assertThat(engine.volumes().find(anonymous)).isEmpty();
        assertThat(engine.volumes().find("mount-test-data")).isPresent();
        engine.volumes().remove("mount-test-data", List::of, false);
    }

    @Test
    void aBadMountCreatesNothing() {
        HostConfig host = HostConfig.defaults().withMounts(List.of(Mount.volume("should-not-exist", "/v", false),
                Mount.bind(tmp.resolve("missing").toString(), "/m", false)));
        assertThatThrownBy(() -> engine.create(Optional.of("bad-mount"), ContainerConfig.of(BusyboxImage.TAG, List.of("true")), host))
                .isInstanceOf(ContainerException.InvalidArgument.class)
                .hasMessage("invalid mount config for type \"bind\": bind source path does not exist: " + tmp.resolve("missing"));
        assertThat(engine.list()).isEmpty();
        assertThat(engine.volumes().list()).isEmpty();
    }

    @Test
    void initRunsAsPidOneAndPassesStopsSigtermOn() throws Exception {
        Container c = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("sh", "-c",
                "busybox tr '\\0' ' ' < /proc/1/cmdline; echo; echo $$")), HostConfig.defaults().withInit(true));
        engine.start(c.id());
        assertThat(exitCode(c)).isZero();
        List<String> lines = logs(c).lines().toList();
        assertThat(lines.get(0).strip()).isEqualTo("/sbin/docker-init -- sh -c busybox tr '\\0' ' ' < /proc/1/cmdline; echo; echo $$");
        assertThat(Integer.parseInt(lines.get(1))).isGreaterThan(1); // the command is tini's child, not PID 1

        // sleep as PID 1 ignores SIGTERM; under tini it gets it and dies of it: 128 + 15, no SIGKILL wait
        Container sleeper = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("sleep", "600")),
                HostConfig.defaults().withInit(true));
        engine.start(sleeper.id());
        long t0 = System.nanoTime();
        assertThat(engine.stop(sleeper.id(), OptionalInt.of(10))).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5000L);
        assertThat(engine.get(sleeper.id()).state().exitCode()).isEqualTo(143);
    }

    @Test
    void initWithoutItsBinarySaysWhatToInstall() {
        engine.useInitBinary(tmp.resolve("no-tini"));
        Container c = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("true")), HostConfig.defaults().withInit(true));
        assertThatThrownBy(() -> engine.start(c.id())).isInstanceOf(ContainerException.StartFailed.class)
                .hasMessage("--init needs the init binary " + tmp.resolve("no-tini")
                        + ", which is missing or not executable: install Debian's tini package (it has /usr/bin/tini-static)");
        assertThat(engine.get(c.id()).state().status()).isEqualTo(ContainerState.Status.CREATED);
        assertThat(Rootfs.isMounted(c.rootfs())).isFalse();
    }

    private static void sh(String command) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(command + ": " + out).isZero();
    }

    @Test
    void aSharedBindNeedsASharedSourceAndThenPropagatesToTheHost() throws Exception {
        Path disk = Files.createDirectories(tmp.resolve("disk"));
        sh("mount -t tmpfs skiff-test " + disk + " && mount --make-private " + disk);
        try {
            Path src = Files.createDirectories(disk.resolve("src"));
            HostConfig host = HostConfig.defaults().withMounts(List.of(Mount.bind(src.toString(), "/shared", false)
                    .withBindOptions(new Mount.BindOptions("rshared", false, false))));
            Container c = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("sh", "-c",
                    "mount -t tmpfs inner /shared/inner && echo mounted")), host.withCaps(List.of("SYS_ADMIN"), List.of()));
            Files.createDirectories(src.resolve("inner"));
            assertThatThrownBy(() -> engine.start(c.id())).isInstanceOf(ContainerException.StartFailed.class)
                    .hasMessage("path " + src + " is mounted on " + disk + " but it is not a shared mount");

            sh("mount --make-shared " + disk);
            engine.start(c.id());
            assertThat(exitCode(c)).isZero();
            assertThat(logs(c)).isEqualTo("mounted\n");
            // the container's mount came back out through the shared bind
            assertThat(Rootfs.isMounted(src.resolve("inner"))).isTrue();
        } finally {
            sh("umount -R " + disk);
        }
    }

    @Test
    void mountOptionsNoCopyAndCreateSourceAreHonouredAtStart() throws Exception {
        // an empty volume takes the image's /etc, unless volume-nocopy says not to
        Container copied = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("ls", "/etc")),
                HostConfig.defaults().withMounts(List.of(Mount.volume("", "/etc", false))));
        Container bare = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("ls", "/etc")),
                HostConfig.defaults().withMounts(List.of(new Mount("volume", null, "/etc", false, null, null,
                        new Mount.VolumeOptions(true, null, null, null), null))));
        engine.start(copied.id());
        engine.start(bare.id());
        assertThat(exitCode(copied)).isZero();
        assertThat(exitCode(bare)).isZero();
        assertThat(logs(copied).lines().toList()).contains("passwd", "group");
        assertThat(logs(bare).lines().toList()).doesNotContain("passwd", "group");

        // a --mount bind's source gone by the start is refused (-v's would be made); bind-create-src makes it
        Path gone = Files.createDirectories(tmp.resolve("gone"));
        Container strict = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("true")),
                HostConfig.defaults().withMounts(List.of(Mount.bind(gone.toString(), "/g", false))));
        Container lenient = engine.create(Optional.empty(), ContainerConfig.of(BusyboxImage.TAG, List.of("true")),
                HostConfig.defaults().withMounts(List.of(Mount.bind(gone.toString(), "/g", false)
                        .withBindOptions(new Mount.BindOptions("", false, true)))));
        Files.delete(gone);
        assertThatThrownBy(() -> engine.start(strict.id())).isInstanceOf(ContainerException.StartFailed.class)
                .hasMessage("invalid mount config for type \"bind\": bind source path does not exist: " + gone);
        engine.start(lenient.id());
        assertThat(exitCode(lenient)).isZero();
        assertThat(gone).isDirectory();
    }
}
