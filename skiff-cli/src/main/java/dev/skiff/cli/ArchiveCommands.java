package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static dev.skiff.cli.ImageCommands.JSON;
import static dev.skiff.cli.ImageCommands.client;
import static dev.skiff.cli.ImageCommands.encode;

/** {@code skiff save} and {@code skiff load}, with docker's flags and output; the archive streams through. */
final class ArchiveCommands {
    private ArchiveCommands() {
    }

    /** docker's line for an error answer, as it prints it: no program name in front. */
    private static int daemonError(EngineClient.Response r) throws java.io.IOException {
        System.err.println("Error response from daemon: "
                + JSON.readTree(r.readAll()).path("message").asText("status " + r.status()));
        return 1;
    }

    /** {@code skiff save [-o FILE] IMAGE...}. */
    @Command(name = "save", mixinStandardHelpOptions = true,
            description = "Save one or more images to a tar archive (streamed to STDOUT by default).")
    static final class Save implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-o", "--output"}, description = "Write to a file, instead of STDOUT.")
        String output;

        @Parameters(arity = "1..*", paramLabel = "IMAGE")
        List<String> images;

        @Override
        public Integer call() throws Exception {
            if (output == null && System.console() != null && System.console().isTerminal()) {
                throw new Cli.UserError("cowardly refusing to save to a terminal. Use the -o flag or redirect");
            }
            EngineClient client = client(spec);
            StringBuilder query = new StringBuilder();
            for (String image : images) {
                query.append(query.isEmpty() ? "?" : "&").append("names=").append(encode(image));
            }
            try (EngineClient.Response r = client.send("GET", "/images/get" + query, Map.of(), null)) {
                if (r.status() / 100 != 2) {
                    return daemonError(r);
                }
                if (output == null) {
                    r.body().transferTo(System.out);
                    System.out.flush();
                } else {
                    writeAtomically(Path.of(output), r.body());
                }
            }
            return 0;
        }

        /** As docker's CopyToFile: a temporary file beside the target, renamed over it once complete. */
        private static void writeAtomically(Path target, InputStream in) throws Exception {
            Path dir = target.toAbsolutePath().getParent();
            Path temp = Files.createTempFile(dir, ".docker_temp_", "");
            try {
                try (OutputStream out = Files.newOutputStream(temp)) {
                    in.transferTo(out);
                }
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** {@code skiff load [-i FILE] [-q]}. */
    @Command(name = "load", mixinStandardHelpOptions = true,
            description = "Load an image from a tar archive or STDIN.")
    static final class Load implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-i", "--input"}, description = "Read from tar archive file, instead of STDIN.")
        String input;

        @Option(names = {"-q", "--quiet"}, description = "Suppress the load output.")
        boolean quiet;

        @Override
        public Integer call() throws Exception {
            InputStream body;
            long length;
            if (input == null) {
                if (System.console() != null && System.console().isTerminal()) {
                    throw new Cli.UserError("requested load from stdin, but stdin is empty");
                }
                body = System.in;
                length = -1;
            } else {
                Path file = Path.of(input);
                if (!Files.isRegularFile(file)) {
                    throw new Cli.UserError("open " + input + ": no such file or directory");
                }
                body = Files.newInputStream(file);
                length = Files.size(file);
            }
            EngineClient client = client(spec);
            String path = "/images/load" + (quiet ? "?quiet=1" : "?quiet=0");
            try (InputStream in = body;
                 EngineClient.Response r = client.send("POST", path, Map.of("Content-Type", "application/x-tar"), in, length)) {
                if (r.status() / 100 != 2) {
                    return daemonError(r);
                }
                BufferedReader lines = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode message = JSON.readTree(line);
                    if (message.has("error")) {
                        throw new Cli.UserError(message.path("error").asText());
                    }
                    System.out.print(message.path("stream").asText(""));
                }
                System.out.flush();
            }
            return 0;
        }
    }
}
