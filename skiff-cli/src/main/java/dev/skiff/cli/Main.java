package dev.skiff.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code skiff} command: one entry point for the registry, the daemon and the client commands. */
@Command(name = "skiff", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A container platform: build, run and share images, the Docker way.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"skiff " + (v == null ? "dev" : v)};
        }
    }
}
