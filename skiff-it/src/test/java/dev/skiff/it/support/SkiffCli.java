package dev.skiff.it.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@code skiff} commands as separate JVM processes, with the same Java as the tests and the
 * test class path (which holds skiff-cli and its dependencies), exactly as a user's launcher would.
 */
public final class SkiffCli {

    private SkiffCli() {
    }

    /** The full command line for {@code skiff args...}. */
    public static List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElseThrow(() -> new AssertionError("cannot tell which java binary runs the tests")));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(classPath());
        command.add("dev.skiff.cli.Main");
        command.addAll(List.of(args));
        return command;
    }

    /**
     * Surefire starts the test JVM from a manifest-only jar, so {@code java.class.path} names just
     * that jar; surefire publishes the real class path in {@code surefire.test.class.path}.
     */
    static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    /** Runs a short {@code skiff} command to completion. */
    public static CommandResult run(Duration timeout, String... args) {
        return ExternalCommand.of(command(args)).timeout(timeout).run();
    }

    /** Runs a short {@code skiff} command with {@code stdin} as its standard input. */
    public static CommandResult runWithStdin(String stdin, String... args) {
        return ExternalCommand.of(command(args)).stdin(stdin).timeout(Duration.ofMinutes(1)).run();
    }
}
