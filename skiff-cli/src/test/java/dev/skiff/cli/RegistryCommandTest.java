package dev.skiff.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Each kind of bad input to {@code skiff registry} gets one clear line and exit code 1, never a stack trace. */
class RegistryCommandTest {
    @TempDir
    Path temp;

    record Result(int exit, String err) {
    }

    static Result run(String stdin, String... args) {
        InputStream original = System.in;
        StringWriter err = new StringWriter();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int exit = Main.run(new PrintWriter(err, true), args);
            return new Result(exit, err.toString());
        } finally {
            System.setIn(original);
        }
    }

    static void assertOneClearLine(Result r, String expected) {
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("skiff: ").contains(expected).doesNotContain("\tat ", "Exception");
        assertThat(r.err().strip().lines()).hasSize(1);
    }

    @Test
    void badAddress() {
        assertOneClearLine(run("", "registry", "serve", "--addr", "nope", "--root", temp.toString()), "invalid address nope");
        assertOneClearLine(run("", "registry", "serve", "--addr", "127.0.0.1:70000", "--root", temp.toString()), "invalid port");
    }

    @Test
    void addressInUse() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Result r = run("", "registry", "serve", "--addr", "127.0.0.1:" + taken.getLocalPort(), "--root", temp.toString());
            assertOneClearLine(r, "already in use");
        }
    }

    @Test
    void missingAccountsFileAndHalfATlsPair() {
        assertOneClearLine(run("", "registry", "serve", "--addr", "127.0.0.1:0", "--root", temp.toString(),
                "--htpasswd", temp.resolve("none").toString()), "cannot read the accounts file");
        assertOneClearLine(run("", "registry", "serve", "--addr", "127.0.0.1:0", "--root", temp.toString(),
                "--tls-cert", "c.pem"), "--tls-cert and --tls-key go together");
        assertOneClearLine(run("", "registry", "serve", "--addr", "127.0.0.1:0", "--root", temp.toString(),
                "--gc-interval", "soon"), "invalid duration soon");
    }

    @Test
    void userAddRefusesBadNamesAndEmptyPasswordsAndWritesNothing() throws Exception {
        Path file = temp.resolve("htpasswd");
        assertOneClearLine(run("pw\n", "registry", "user", "add", "../Evil", "--htpasswd", file.toString(), "--password-stdin"),
                "invalid username");
        assertOneClearLine(run("", "registry", "user", "add", "bob", "--htpasswd", file.toString(), "--password-stdin"),
                "password is empty");
        assertThat(file).doesNotExist();
        assertThat(run("s3cret\n", "registry", "user", "add", "bob", "--htpasswd", file.toString(), "--password-stdin").exit()).isZero();
        assertThat(Files.readString(file)).startsWith("bob:$2y$10$");
    }

    @Test
    void gcNeedsAnExistingRoot() {
        assertOneClearLine(run("", "registry", "gc", "--root", temp.resolve("missing").toString()), "no registry storage");
    }
}
