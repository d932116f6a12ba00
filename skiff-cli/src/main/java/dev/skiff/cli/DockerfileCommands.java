package dev.skiff.cli;

import dev.skiff.builder.dockerfile.DockerfileException;
import dev.skiff.builder.dockerfile.DockerfileParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code skiff dockerfile parse FILE}: the parser's view of a Dockerfile, for debugging one. */
final class DockerfileCommands {
    private DockerfileCommands() {
    }

    @Command(name = "dockerfile", mixinStandardHelpOptions = true, description = "Look at Dockerfiles as the builder reads them.",
            subcommands = Parse.class)
    static final class Group extends CommandGroup {
    }

    /**
     * Prints the Dockerfile's instructions in BuildKit's parser dump format (what {@code
     * parser/testfiles/<case>/result} holds): one line per instruction, its flags and arguments as the
     * builder will use them, here-documents and line continuations resolved.
     */
    @Command(name = "parse", mixinStandardHelpOptions = true,
            description = "Print a Dockerfile's instructions as the parser reads them (BuildKit's dump format).")
    static final class Parse implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "The Dockerfile, or - for standard input.")
        String file;

        @Override
        public Integer call() throws IOException {
            String text;
            try {
                text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                        : Files.readString(Path.of(file), StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new Cli.UserError("cannot read " + file + ": no such file");
            } catch (IOException e) {
                throw new Cli.UserError("cannot read " + file + ": " + e.getMessage());
            }
            try {
                System.out.println(DockerfileParser.parse(text).dump());
            } catch (DockerfileException e) {
                String message = e.getMessage();
                throw new Cli.UserError(file + ": " + (message.startsWith("line ") ? "dockerfile parse error " + message : message));
            }
            return 0;
        }
    }
}
