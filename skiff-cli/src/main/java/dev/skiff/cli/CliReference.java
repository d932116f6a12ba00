package dev.skiff.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code skiff cli-reference}, hidden: docs/cli.md, the reference of every command, written from the
 * commands themselves (their usage help), so it cannot drift from what they accept; a test compares
 * the file with this output.
 */
@Command(name = "cli-reference", hidden = true, description = "Print the CLI reference (docs/cli.md) as Markdown.")
final class CliReference implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.print(markdown());
        return 0;
    }

    /** Every visible command and subcommand, in help's order, each with its usage help. */
    static String markdown() {
        StringBuilder out = new StringBuilder("""
                # skiff command reference

                Generated from the commands themselves by `./skiff cli-reference > docs/cli.md`; a test fails when
                this file and the commands disagree. The same text is `skiff COMMAND --help`.

                """);
        CommandLine root = Main.commandLine("--help");
        out.append("## skiff\n\n```text\n").append(usage(root)).append("```\n\n");
        for (CommandLine command : visible(root)) {
            section(command, out);
        }
        return out.toString();
    }

    private static void section(CommandLine command, StringBuilder out) {
        out.append("## ").append(command.getCommandSpec().qualifiedName()).append("\n\n```text\n").append(usage(command)).append("```\n\n");
        for (CommandLine sub : visible(command)) {
            section(sub, out);
        }
    }

    /** Subcommands by their own names (not aliases), without hidden ones and picocli's help. */
    private static List<CommandLine> visible(CommandLine command) {
        return command.getSubcommands().entrySet().stream()
                .filter(e -> e.getKey().equals(e.getValue().getCommandName()))
                .map(java.util.Map.Entry::getValue)
                .filter(c -> !c.getCommandSpec().usageMessage().hidden())
                .filter(c -> !(c.getCommand() instanceof CommandLine.HelpCommand))
                .distinct()
                .toList();
    }

    private static String usage(CommandLine command) {
        return command.getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("(?m)[ \\t]+$", "");
    }
}
