package dev.skiff.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code skiff} command: one entry point for the registry, the daemon and the client commands. */
@Command(name = "skiff", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A container platform: build, run and share images, the Docker way.",
        subcommands = {DaemonCommand.class, RegistryCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return run(new PrintWriter(System.err, true), args);
    }

    static int run(PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setErr(err);
        cli.setExecutionExceptionHandler(Main::handleFailure);
        return cli.execute(args);
    }

    // A user sees one sentence that says what went wrong, never a stack trace (SKIFF_DEBUG=1 shows it).
    private static int handleFailure(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof Cli.UserError) {
            err.println("skiff: " + e.getMessage());
            return 1;
        }
        err.println("skiff: " + cli.getCommandName() + " failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        if (System.getenv("SKIFF_DEBUG") != null) {
            e.printStackTrace(err);
        }
        return 1;
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
