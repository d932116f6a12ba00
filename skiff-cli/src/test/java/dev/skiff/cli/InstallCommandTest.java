package dev.skiff.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code skiff install} and {@code uninstall} into directories of the test's own. */
class InstallCommandTest {
    @TempDir
    Path tmp;

    private int skiff(StringWriter err, String... args) {
        return Main.run(new PrintWriter(err, true), args);
    }

    private String[] places(String command, Path launcher) {
        return new String[]{command, "--prefix", tmp.resolve("usr").toString(), "--systemd-dir", tmp.resolve("systemd").toString(),
                "--completion-dir", tmp.resolve("completion").toString(), "--launcher", launcher.toString()};
    }

    @Test
    void installsTheCommandAUnitAndCompletionAndUninstallTakesOnlyThemBack() throws Exception {
        Path launcher = Files.writeString(tmp.resolve("skiff"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        StringWriter err = new StringWriter();
        assertThat(skiff(err, places("install", launcher))).as(err.toString()).isZero();
        assertThat(skiff(err, places("install", launcher))).as("again: harmless").isZero();

        Path link = tmp.resolve("usr/bin/skiff");
        assertThat(Files.readSymbolicLink(link)).isEqualTo(launcher);
        String unit = Files.readString(tmp.resolve("systemd/skiff.service"));
        assertThat(unit).startsWith(InstallCommand.MARK).contains("ExecStart=" + launcher + " daemon\n").contains("KillMode=process\n");
        String completion = Files.readString(tmp.resolve("completion/skiff"));
        assertThat(completion).contains("complete -F").contains(" run ").contains("--publish").doesNotContain("aot-training");

        Files.writeString(tmp.resolve("completion/skiff"), "# someone else's\n");
        assertThat(skiff(err, places("uninstall", launcher))).isZero();
        assertThat(Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.exists(tmp.resolve("systemd/skiff.service"))).isFalse();
        assertThat(Files.readString(tmp.resolve("completion/skiff"))).as("not ours: left alone").isEqualTo("# someone else's\n");
        assertThat(Files.exists(launcher)).isTrue();
    }

    @Test
    void aFileInTheWayOrAMissingLauncherIsACleanError() throws Exception {
        Path launcher = Files.writeString(tmp.resolve("skiff"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(tmp.resolve("usr/bin"));
        Files.writeString(tmp.resolve("usr/bin/skiff"), "another skiff\n");
        StringWriter err = new StringWriter();
        assertThat(skiff(err, places("install", launcher))).isEqualTo(1);
        assertThat(err.toString()).contains("is not skiff's link; move it away first").doesNotContain("Exception");

        StringWriter missing = new StringWriter();
        assertThat(skiff(missing, places("install", tmp.resolve("nope")))).isEqualTo(1);
        assertThat(missing.toString()).contains("is not an executable launcher").doesNotContain("Exception");
    }
}
