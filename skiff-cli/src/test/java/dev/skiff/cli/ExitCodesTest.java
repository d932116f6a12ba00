package dev.skiff.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** run's exit code when the start is refused, read from the error text as docker's CLI does. */
class ExitCodesTest {
    @Test
    void notFoundIs127CannotInvokeIs126OtherwiseIs125() {
        assertThat(ExitCodes.forStartError("Error response from daemon: failed to create task for container: failed to create shim task: "
                + "OCI runtime create failed: runc create failed: unable to start container process: exec: \"nosuch\": "
                + "executable file not found in $PATH: unknown")).isEqualTo(127);
        assertThat(ExitCodes.forStartError("exec: \"/nosuch\": stat /nosuch: no such file or directory")).isEqualTo(127);
        assertThat(ExitCodes.forStartError("Error response from daemon: exec: \"/etc/passwd\": permission denied")).isEqualTo(126);
        assertThat(ExitCodes.forStartError("exec /etc: is a directory")).isEqualTo(126);
        assertThat(ExitCodes.forStartError("the command /x cannot be invoked")).isEqualTo(126);
        assertThat(ExitCodes.forStartError("Error response from daemon: driver failed programming external connectivity: "
                + "Bind for 0.0.0.0:3000 failed: port is already allocated")).isEqualTo(125);
    }
}
