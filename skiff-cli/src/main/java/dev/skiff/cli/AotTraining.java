package dev.skiff.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code skiff -H unix://NOWHERE aot-training}, hidden: the launcher's training run for its AOT cache.
 * The JDK records the classes of one run only, so this one runs the common commands, each in turn,
 * against a daemon that is not there: each parses its options, does its client-side work (a build
 * packs its context) and fails at the connect, and its classes are in the cache for every later run.
 */
@Command(name = "aot-training", hidden = true, description = "Train the launcher's AOT cache (not for people).")
final class AotTraining implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Override
    public Integer call() throws Exception {
        Path context = Files.createTempDirectory("skiff-aot-training");
        try {
            Files.writeString(context.resolve("Dockerfile"), "FROM scratch\nCOPY . /\n");
            Files.writeString(context.resolve(".dockerignore"), "*.log\n!keep.log\n");
            Files.writeString(context.resolve("file.txt"), "training\n");
            List<List<String>> commands = List.of(
                    List.of("run", "--rm", "-e", "A=b", "-p", "127.0.0.1:1:1", "training", "true"),
                    List.of("run", "-d", "--name", "training", "-v", "/tmp:/tmp", "training"),
                    List.of("build", "-t", "training", context.toString()),
                    List.of("ps", "-a"), List.of("images"), List.of("pull", "training"), List.of("push", "training"),
                    List.of("exec", "training", "true"), List.of("logs", "training"), List.of("stop", "training"),
                    List.of("rm", "-f", "training"), List.of("inspect", "training"), List.of("version"));
            PrintStream out = System.out;
            PrintWriter quiet = new PrintWriter(Writer.nullWriter());
            System.setOut(new PrintStream(java.io.OutputStream.nullOutputStream()));
            try {
                for (List<String> command : commands) {
                    String[] args = new String[command.size() + 2];
                    args[0] = "-H";
                    args[1] = main.client().host().toString();
                    for (int i = 0; i < command.size(); i++) {
                        args[i + 2] = command.get(i);
                    }
                    Main.run(quiet, args);
                }
            } finally {
                System.setOut(out);
            }
        } finally {
            try (var files = Files.list(context)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(context);
        }
        return 0;
    }
}
