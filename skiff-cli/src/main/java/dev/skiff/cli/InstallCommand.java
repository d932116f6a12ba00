package dev.skiff.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code sudo ./skiff install}: makes this checkout's launcher the machine's {@code skiff}: a link in
 * {@code <prefix>/bin}, a systemd unit that runs {@code skiff daemon} (killing only the daemon when it
 * stops, so containers live on as with {@code live-restore}), and bash completion of every command and
 * flag, written from the commands themselves. {@code skiff uninstall} takes back what it finds of those,
 * and nothing else. Running either again is harmless.
 */
final class InstallCommand {
    /** The first line of every file install writes: uninstall removes only files that carry it. */
    static final String MARK = "# written by skiff install";

    private InstallCommand() {
    }

    /** Where things go, with the defaults of a Debian machine. */
    static final class Places {
        @Option(names = "--prefix", description = "Install the command as PREFIX/bin/skiff. Default: ${DEFAULT-VALUE}", defaultValue = "/usr/local")
        Path prefix;

        @Option(names = "--systemd-dir", description = "Where the skiff.service unit goes. Default: ${DEFAULT-VALUE}", defaultValue = "/etc/systemd/system")
        Path systemdDir;

        @Option(names = "--completion-dir", description = "Where bash completion goes. Default: ${DEFAULT-VALUE}", defaultValue = "/etc/bash_completion.d")
        Path completionDir;

        @Option(names = "--launcher", hidden = true, description = "The launcher to install (default: the one that runs this command).")
        Path launcher;

        Path link() {
            return prefix.resolve("bin").resolve("skiff");
        }

        Path unit() {
            return systemdDir.resolve("skiff.service");
        }

        Path completion() {
            return completionDir.resolve("skiff");
        }

        Path launcher() {
            if (launcher != null) {
                return launcher.toAbsolutePath();
            }
            String set = System.getenv("SKIFF_LAUNCHER");
            if (set == null || set.isBlank()) {
                throw new Cli.UserError("run this through the launcher at the root of the checkout: sudo ./skiff install");
            }
            return Path.of(set).toAbsolutePath();
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Install this checkout's skiff for the machine: the command, a systemd unit for the daemon, bash completion.")
    static final class Install implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Places places = new Places();

        @Override
        public Integer call() throws IOException {
            Path launcher = places.launcher();
            if (!Files.isExecutable(launcher)) {
                throw new Cli.UserError(launcher + " is not an executable launcher; run ./skiff install from the checkout");
            }
            write(places, () -> {
                Files.createDirectories(places.link().getParent());
                if (Files.exists(places.link(), LinkOption.NOFOLLOW_LINKS)) {
                    if (!Files.isSymbolicLink(places.link())) {
                        throw new Cli.UserError(places.link() + " exists and is not skiff's link; move it away first");
                    }
                    Files.delete(places.link());
                }
                Files.createSymbolicLink(places.link(), launcher);
                System.out.println("installed " + places.link() + " -> " + launcher);

                Files.createDirectories(places.systemdDir);
                Files.writeString(places.unit(), unit(launcher));
                System.out.println("wrote " + places.unit() + " (start it: systemctl daemon-reload && systemctl enable --now skiff)");

                Files.createDirectories(places.completionDir);
                Files.writeString(places.completion(), MARK + "\n" + AutoComplete.bash("skiff", Main.commandLine("--help")));
                System.out.println("wrote " + places.completion() + " (new shells complete skiff's commands and flags)");
            });
            return 0;
        }
    }

    @Command(name = "uninstall", mixinStandardHelpOptions = true,
            description = "Remove what skiff install put in place (the command's link, the systemd unit, bash completion).")
    static final class Uninstall implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Places places = new Places();

        @Override
        public Integer call() throws IOException {
            write(places, () -> {
                if (Files.isSymbolicLink(places.link())) {
                    Files.delete(places.link());
                    System.out.println("removed " + places.link());
                }
                for (Path file : List.of(places.unit(), places.completion())) {
                    if (Files.isRegularFile(file) && Files.readString(file).startsWith(MARK)) {
                        Files.delete(file);
                        System.out.println("removed " + file);
                    } else if (Files.exists(file)) {
                        System.out.println("left " + file + ": skiff install did not write it");
                    }
                }
            });
            return 0;
        }
    }

    @FunctionalInterface
    private interface Work {
        void run() throws IOException;
    }

    /** A directory that is not ours to write gets one sentence of what to do, not a stack trace. */
    private static void write(Places places, Work work) throws IOException {
        try {
            work.run();
        } catch (AccessDeniedException e) {
            throw new Cli.UserError("cannot write " + e.getFile() + ": run it as root (sudo ./skiff install), or give "
                    + "directories you may write: --prefix $HOME/.local --systemd-dir $HOME/.config/systemd/user "
                    + "--completion-dir $HOME/.local/share/bash-completion/completions");
        }
    }

    /** The daemon as a service: only the daemon is stopped with it (KillMode=process), its containers live on. */
    static String unit(Path launcher) {
        return MARK + "\n" + """
                [Unit]
                Description=Skiff container engine
                Documentation=file://%s
                After=network-online.target
                Wants=network-online.target

                [Service]
                Type=simple
                ExecStart=%s daemon
                Restart=on-failure
                KillMode=process
                Delegate=yes
                LimitNOFILE=1048576
                TasksMax=infinity

                [Install]
                WantedBy=multi-user.target
                """.formatted(launcher.getParent().resolve("README.md"), launcher);
    }
}
