package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.client.EngineClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code skiff login} and {@code skiff logout}, with the docker CLI's flags, prompts and messages. */
final class AuthCommands {
    private AuthCommands() {
    }

    /** {@code skiff login [-u USER] [-p PASS | --password-stdin] [SERVER]}: the daemon checks, the client stores. */
    @Command(name = "login", mixinStandardHelpOptions = true,
            description = "Log in to a registry. Defaults to Docker Hub when no server is given.")
    static final class Login implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = {"-u", "--username"}, description = "Username.")
        String username;

        @Option(names = {"-p", "--password"}, description = "Password or personal access token.")
        String password;

        @Option(names = "--password-stdin", description = "Take the password from stdin.")
        boolean passwordStdin;

        @Parameters(arity = "0..1", paramLabel = "SERVER")
        String server;

        @Override
        public Integer call() throws Exception {
            if (password != null) {
                System.err.println("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
                if (passwordStdin) {
                    throw new Cli.UserError("--password and --password-stdin are mutually exclusive");
                }
            }
            if (passwordStdin) {
                if (username == null || username.isEmpty()) {
                    throw new Cli.UserError("Must provide --username with --password-stdin");
                }
                password = readStdinPassword();
            }
            String serverAddress = server == null || server.isEmpty() ? RegistryAuth.DOCKER_HUB_KEY : server;
            String key = RegistryAuth.key(serverAddress);
            if (username == null || password == null) {
                prompt(key);
            }
            if (username.isEmpty()) {
                throw new Cli.UserError("Error: Non-null Username Required");
            }
            if (password.isEmpty()) {
                throw new Cli.UserError("Error: Non-null Password Required");
            }
            EngineClient client = ImageCommands.client(spec);
            byte[] body = ImageCommands.JSON.createObjectNode().put("username", username).put("password", password)
                    .put("serveraddress", key.equals(RegistryAuth.DOCKER_HUB_KEY) ? RegistryAuth.DOCKER_HUB_KEY : serverAddress)
                    .toString().getBytes(StandardCharsets.UTF_8);
            try (EngineClient.Response r = client.send("POST", "/auth", Map.of("Content-Type", "application/json"), body)) {
                byte[] answer = r.readAll();
                JsonNode json = answer.length == 0 ? ImageCommands.JSON.nullNode() : ImageCommands.JSON.readTree(answer);
                if (r.status() / 100 != 2) {
                    throw new Cli.UserError("Error response from daemon: " + json.path("message").asText("status " + r.status()));
                }
            }
            RegistryAuth auth = RegistryAuth.forUser();
            auth.store(key, username, password);
            System.err.println("WARNING! Your credentials are stored unencrypted in '" + auth.file() + "'.");
            System.out.println("Login Succeeded");
            return 0;
        }

        /** docker's prompt: the username (defaulting to the stored one) on a terminal, the password without echo. */
        private void prompt(String key) {
            Console console = System.console();
            if (console == null || !console.isTerminal()) {
                throw new Cli.UserError("Error: Cannot perform an interactive login from a non TTY device");
            }
            if (username == null) {
                String stored = RegistryAuth.forUser().credentials(key).map(RegistryAuth.UserPassword::username).orElse("");
                String typed = console.readLine(stored.isEmpty() ? "Username: " : "Username (" + stored + "): ");
                username = typed == null || typed.strip().isEmpty() ? stored : typed.strip();
            }
            if (password == null) {
                char[] typed = console.readPassword("Password: ");
                password = typed == null ? "" : new String(typed);
            }
        }

        private static String readStdinPassword() throws IOException {
            String text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            while (text.endsWith("\n") || text.endsWith("\r")) {
                text = text.substring(0, text.length() - 1);
            }
            return text;
        }
    }

    /** {@code skiff logout [SERVER]}: forgets the stored credentials; the daemon is not asked. */
    @Command(name = "logout", mixinStandardHelpOptions = true,
            description = "Log out from a registry. Defaults to Docker Hub when no server is given.")
    static final class Logout implements Callable<Integer> {
        @Parameters(arity = "0..1", paramLabel = "SERVER")
        String server;

        @Override
        public Integer call() {
            String shown = server == null || server.isEmpty() ? RegistryAuth.DOCKER_HUB_KEY : server;
            String key = RegistryAuth.key(shown);
            // docker 28 prints this whether or not it held credentials for the server
            System.out.println("Removing login credentials for " + shown);
            RegistryAuth.forUser().remove(key);
            return 0;
        }
    }
}
