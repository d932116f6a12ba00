package dev.skiff.it.support;

/**
 * A shell command line run on a new pseudo-terminal of its own, as at a person's terminal, with
 * what {@link ExternalCommand#stdin} gives typed into it. util-linux's {@code script} (2.38) was used
 * for this and loses the last output of a command that ends at once: it stops reading the terminal
 * when its child exits, and a CLI's final {@code write} of "/dev/pts/0\r\nTERM=xterm\r\n" (seen in
 * strace) never reached its stdout in about 1 run of 15 on a busy machine. This reads the terminal
 * until the kernel says nobody holds it any more (EIO), so all that was written is there.
 */
public final class OnTerminal {
    private static final String PROXY = """
            import os, pty, sys
            pid, terminal = pty.fork()
            if pid == 0:
                os.execvp("sh", ["sh", "-c", sys.argv[1]])
            typed = sys.stdin.buffer.read()
            if typed:
                os.write(terminal, typed)
            while True:
                try:
                    chunk = os.read(terminal, 65536)
                except OSError:  # EIO: every holder of the terminal has closed it and its output is read
                    break
                if not chunk:
                    break
                sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
            _, status = os.waitpid(pid, 0)
            sys.exit(os.waitstatus_to_exitcode(status) & 0xff)
            """;

    private OnTerminal() {
    }

    /** The command line, run by {@code sh -c} on its own terminal; its exit code is the command's. */
    public static ExternalCommand of(String commandLine) {
        return ExternalCommand.of("python3", "-c", PROXY, commandLine);
    }
}
