package dev.skiff.it.support;

import java.util.List;

/** What an external command did: its exit code and everything it printed. */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {

    public boolean succeeded() {
        return exitCode == 0;
    }

    /** Fails the test, with the command's whole output, unless it exited 0. */
    public CommandResult assertSuccess() {
        if (exitCode != 0) {
            throw new AssertionError("expected success but exit code was " + exitCode + "\n" + describe());
        }
        return this;
    }

    /** Fails the test, with the command's whole output, if it exited 0. */
    public CommandResult assertFailure() {
        if (exitCode == 0) {
            throw new AssertionError("expected a failure but the command succeeded\n" + describe());
        }
        return this;
    }

    /** stdout and stderr together, for assertions on error messages wherever the tool printed them. */
    public String output() {
        return stdout + stderr;
    }

    /** The command line, with a class path after -cp shortened: it is long and the same for every skiff command. */
    public static String printable(List<String> command) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < command.size(); i++) {
            boolean classPath = i > 0 && command.get(i - 1).equals("-cp");
            line.append(i == 0 ? "" : " ").append(classPath ? "<test class path>" : command.get(i));
        }
        return line.toString();
    }

    public String describe() {
        return "command: " + printable(command) + "\nexit code: " + exitCode
                + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
    }
}
