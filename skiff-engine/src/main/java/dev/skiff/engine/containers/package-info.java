/**
 * Containers: Docker's Config/HostConfig in, an OCI bundle out, run by runc (or crun) under conmon.
 *
 * <p>{@link dev.skiff.engine.containers.ContainerEngine} is the one entry point. It describes
 * ({@code OciSpec}, {@code SeccompProfile}, {@code Capabilities}, {@code ImageDefaults} are pure) and
 * then acts ({@code Rootfs} mounts, {@code Conmon} launches, {@code OciRuntime} signals and deletes).
 *
 * <p>On disk, all of a container's state in one place:
 * <pre>
 * &lt;data-root&gt;/containers/&lt;id&gt;/
 *     container.json        the record: name, config, host config, state, network (written atomically)
 *     container.log         conmon's k8s-file log: "&lt;RFC3339Nano&gt; stdout|stderr F|P &lt;text&gt;"
 *     hosts, hostname, resolv.conf   bind-mounted over the container's /etc files
 *     upper/, work/         the overlayfs writable layer
 *     conmon.pid, conmon.out         conmon's pid, and what it printed before it detached
 *     bundle/config.json    the OCI spec (rewritten at every start)
 *     bundle/rootfs/        overlayfs mount point: image snapshots (lower) + upper/work
 *     bundle/attach         conmon's attach socket (SOCK_SEQPACKET), for attach
 *     bundle/ctl            conmon's control FIFO (terminal resize)
 *     bundle/runtime.log    the runtime's JSON log: where "OCI runtime create failed" comes from
 * &lt;exec-root&gt;/runc/         runc's state (--root); crun/ likewise
 * &lt;exec-root&gt;/exits/&lt;id&gt;     the exit code conmon recorded; the engine's watcher consumes it
 * &lt;exec-root&gt;/sockets/&lt;id&gt;   conmon's symlink to the bundle, keeping socket paths short
 * /sys/fs/cgroup/&lt;controller&gt;/skiff/&lt;id&gt;   the cgroup runc made (cgroupfs driver)
 * </pre>
 *
 * <p>Lifecycle: created -> running <-> paused -> exited -> (removed); the transitions live in
 * {@link dev.skiff.engine.containers.ContainerState.Status}. conmon, not the daemon, is a running
 * container's parent: the daemon may stop or die and the container runs on; the next
 * {@code ContainerEngine.open} reconciles records with {@code runc state} and the exit files.
 */
package dev.skiff.engine.containers;
