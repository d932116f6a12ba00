package dev.skiff.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** The {@code skiff} command: one entry point for the registry, the daemon and the client commands. */
@Command(name = "skiff", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "A container platform: build, run and share images, the Docker way.")
public final class Main implements Runnable {
    /**
     * The top-level commands, in the order help lists them. Only the one a command line names is built:
     * picocli reads every option of every command it is given, by reflection, which took 0.2 s of each
     * client command's start when all of them were built.
     */
    static final List<Class<?>> COMMANDS = List.of(DaemonCommand.class, RegistryCommand.class, VersionCommand.class, ImageCommands.Group.class,
            ImageCommands.Images.class, ImageCommands.TagCommand.class, ImageCommands.Rmi.class, ImageCommands.Import.class, PullCommand.class, PushCommand.class,
            BuildCommand.class, ArchiveCommands.Save.class, ArchiveCommands.Load.class,
            AuthCommands.Login.class, AuthCommands.Logout.class, HistoryCommand.class, SystemCommands.Group.class,
            SystemCommands.Events.class, SystemCommands.Info.class,
            ContainerRun.Run.class, ContainerRun.Create.class, ContainerRun.Start.class, ContainerRun.Attach.class, ContainerRun.Exec.class,
            ContainerCommands.Ps.class, ContainerCommands.Stop.class, ContainerCommands.Restart.class, ContainerCommands.Kill.class,
            ContainerCommands.Rm.class, ContainerCommands.Wait.class, ContainerCommands.Logs.class, ContainerCommands.Inspect.class,
            ContainerCommands.Top.class, ContainerStats.Stats.class, ContainerCommands.Port.class, ContainerCommands.Rename.class,
            ContainerCommands.Pause.class, ContainerCommands.Unpause.class, ContainerCopy.Copy.class, ContainerCommands.Export.class,
            ContainerCommands.Commit.class, ContainerCommands.Group.class, VolumeNetworkCommands.VolumeGroup.class, QuickstartCommand.class,
            VolumeNetworkCommands.NetworkGroup.class, InstallCommand.Install.class, InstallCommand.Uninstall.class,
            DockerfileCommands.Group.class, AotTraining.class, CliReference.class,
            CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = {"-H", "--host"}, description = "Daemon to talk to: unix:///PATH or tcp://HOST:PORT (default: $SKIFF_HOST, else unix:///run/skiff/skiff.sock).")
    String host;

    /** The daemon client commands use: -H, else SKIFF_HOST, else the default socket. */
    dev.skiff.cli.client.EngineClient client() {
        String target = host != null ? host : System.getenv().getOrDefault("SKIFF_HOST", "unix:///run/skiff/skiff.sock");
        return new dev.skiff.cli.client.EngineClient(dev.skiff.cli.client.EngineClient.Host.parse(target));
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return run(new PrintWriter(System.err, true), args);
    }

    static int run(PrintWriter err, String... args) {
        CommandLine cli = commandLine(args);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(Main::handleFailure);
        CommandLine.IParameterExceptionHandler standard = cli.getParameterExceptionHandler();
        cli.setParameterExceptionHandler((e, arguments) -> ContainerCommands.exitsWith125(e.getCommandLine())
                ? handleBadArguments(e) : standard.handleParseException(e, arguments));
        return cli.execute(args);
    }

    /** The command line that parses {@code args}: skiff with the command they name (all when they name none). */
    static CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new Main());
        String named = commandName(args);
        for (Class<?> command : COMMANDS) {
            if (named == null || names(command).contains(named)) {
                cli.addSubcommand(command);
            }
        }
        ContainerCommands.configure(cli);
        return cli;
    }

    /**
     * The command a command line names: its first word that is not an option of {@code skiff} itself; null
     * when there is none, or when it is {@code help} or unknown, so that all commands are built for help
     * and for picocli's "did you mean" answer.
     */
    static String commandName(String... args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-H") || arg.equals("--host")) {
                i++;
            } else if (arg.equals("--")) {
                return null;
            } else if (!arg.startsWith("-")) {
                for (Class<?> command : COMMANDS) {
                    if (!arg.equals("help") && names(command).contains(arg)) {
                        return arg;
                    }
                }
                return null;
            }
        }
        return null;
    }

    private static List<String> names(Class<?> command) {
        Command annotation = command.getAnnotation(Command.class);
        List<String> names = new ArrayList<>(List.of(annotation.aliases()));
        names.add(annotation.name());
        return names;
    }

    // run and create say what was wrong with their flags and exit 125, as docker does; others keep picocli's way
    private static int handleBadArguments(CommandLine.ParameterException e) {
        CommandLine cli = e.getCommandLine();
        String name = cli.getCommandSpec().qualifiedName();
        cli.getErr().println(e.getMessage() + "\n\nUsage:  " + name + " [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun '" + name
                + " --help' for more information");
        return 125;
    }

    // A user sees one sentence that says what went wrong, never a stack trace (SKIFF_DEBUG=1 shows it).
    private static int handleFailure(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof Cli.StatusError status) {
            if (!status.getMessage().isEmpty()) {
                err.println(status.getMessage());
            }
            return status.status();
        }
        if (ContainerCommands.exitsWith125(cli) && (e instanceof Cli.UserError || e instanceof Cli.FlagError
                || e instanceof dev.skiff.cli.client.ClientException)) {
            String name = cli.getCommandSpec().qualifiedName();
            err.println(e instanceof Cli.FlagError
                    ? e.getMessage() + "\n\nUsage:  " + name + " [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun '" + name + " --help' for more information"
                    : "skiff: " + e.getMessage() + "\n\nRun '" + name + " --help' for more information");
            return 125;
        }
        if (e instanceof Cli.FlagError) {
            err.println(e.getMessage());
            return 1;
        }
        if (e instanceof Cli.UserError || e instanceof dev.skiff.cli.client.ClientException) {
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
            return new String[] {"skiff " + version()};
        }

        static String version() {
            String v = Main.class.getPackage().getImplementationVersion();
            return v == null ? "0.1.0-dev" : v;
        }
    }
}
