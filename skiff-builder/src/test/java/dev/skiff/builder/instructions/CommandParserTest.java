package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.DockerfileParser;
import dev.skiff.builder.dockerfile.Instruction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each instruction's typed form, and one test per kind of refused instruction (messages as BuildKit's). */
class CommandParserTest {

    /** Parses a one-stage file and gives its commands after FROM. */
    private static List<Command> commands(String body) {
        return Stages.of(DockerfileParser.parse("FROM busybox\n" + body)).stages().getFirst().commands();
    }

    private static Command single(String line) {
        return commands(line + "\n").getFirst();
    }

    private static Command parseAlone(String text) {
        Instruction instruction = DockerfileParser.parse(text).instructions().getFirst();
        return CommandParser.parse(instruction);
    }

    @Test
    void fromWithPlatformAndCaseInsensitiveStageName() {
        Command.From from = (Command.From) parseAlone("FROM --platform=$BUILDPLATFORM golang:1.22 As Build\n");

        assertThat(from.image()).isEqualTo("golang:1.22");
        assertThat(from.platform()).contains("$BUILDPLATFORM");
        assertThat(from.stageName()).contains("build");
        assertThat(from.location()).isEqualTo(new Location(1, 1, "FROM --platform=$BUILDPLATFORM golang:1.22 As Build"));
    }

    @Test
    void runShellAndExecFormWithMountsNetworkAndSecurity() {
        List<Command> cmds = commands("""
                RUN --mount=type=cache,target=/root/.cache --mount=from=build,src=/out,dst=/in --network=none echo hi
                RUN ["sh", "-c", "echo $HOME"]
                RUN --security=insecure true
                """);

        Command.Run shell = (Command.Run) cmds.get(0);
        assertThat(shell.command()).isEqualTo(new Command.CommandLine(List.of("echo hi"), true));
        assertThat(shell.mountSpecs()).containsExactly("type=cache,target=/root/.cache", "from=build,src=/out,dst=/in");
        assertThat(shell.mountSources()).containsExactly("build");
        assertThat(shell.network()).isEqualTo("none");
        assertThat(shell.security()).isEqualTo("sandbox");
        Command.Run exec = (Command.Run) cmds.get(1);
        assertThat(exec.command()).isEqualTo(new Command.CommandLine(List.of("sh", "-c", "echo $HOME"), false));
        assertThat(exec.network()).isEqualTo("default");
        assertThat(((Command.Run) cmds.get(2)).security()).isEqualTo("insecure");
    }

    @Test
    void runKeepsItsHeredocs() {
        Command.Run run = (Command.Run) single("RUN <<EOF\necho a\nEOF");

        assertThat(run.heredocs()).singleElement().satisfies(h -> assertThat(h.content()).isEqualTo("echo a\n"));
        assertThat(run.location().startLine()).isEqualTo(2);
        assertThat(run.location().endLine()).isEqualTo(4);
    }

    @Test
    void cmdEntrypointShellAndHealthcheckForms() {
        List<Command> cmds = commands("""
                CMD ["nginx", "-g", "daemon off;"]
                CMD echo  hi
                ENTRYPOINT []
                SHELL ["/bin/bash", "-c"]
                HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=1.5s --start-interval=2s --retries=3 CMD curl -f http://localhost/
                HEALTHCHECK CMD ["true"]
                HEALTHCHECK none
                """);

        assertThat(((Command.Cmd) cmds.get(0)).command().args()).containsExactly("nginx", "-g", "daemon off;");
        assertThat(((Command.Cmd) cmds.get(1)).command()).isEqualTo(new Command.CommandLine(List.of("echo  hi"), true));
        assertThat(((Command.Entrypoint) cmds.get(2)).command()).isEqualTo(new Command.CommandLine(List.of(), false));
        assertThat(((Command.Shell) cmds.get(3)).shell()).containsExactly("/bin/bash", "-c");
        Command.Healthcheck hc = (Command.Healthcheck) cmds.get(4);
        assertThat(hc.test()).containsExactly("CMD-SHELL", "curl -f http://localhost/");
        assertThat(hc.interval()).isEqualTo(Duration.ofSeconds(90));
        assertThat(hc.timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(hc.startPeriod()).isEqualTo(Duration.ofMillis(1500));
        assertThat(hc.startInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(hc.retries()).isEqualTo(3);
        assertThat(((Command.Healthcheck) cmds.get(5)).test()).containsExactly("CMD", "true");
        assertThat(((Command.Healthcheck) cmds.get(6)).disabled()).isTrue();
    }

    @Test
    void envLabelArgInBothForms() {
        List<Command> cmds = commands("""
                ENV PATH /opt/bin:$PATH
                ENV a=1 b="two words"
                LABEL org.opencontainers.image.title="x y" version=1
                ARG A B=2 C="three"
                """);

        assertThat(((Command.Env) cmds.get(0)).pairs()).containsExactly(new Command.KeyValue("PATH", "/opt/bin:$PATH"));
        assertThat(((Command.Env) cmds.get(1)).pairs()).containsExactly(
                new Command.KeyValue("a", "1"), new Command.KeyValue("b", "\"two words\""));
        assertThat(((Command.Label) cmds.get(2)).pairs()).containsExactly(
                new Command.KeyValue("org.opencontainers.image.title", "\"x y\""), new Command.KeyValue("version", "1"));
        assertThat(((Command.Arg) cmds.get(3)).definitions()).containsExactly(
                new Command.ArgDefinition("A", Optional.empty()),
                new Command.ArgDefinition("B", Optional.of("2")),
                new Command.ArgDefinition("C", Optional.of("\"three\"")));
    }

    @Test
    void simpleInstructions() {
        List<Command> cmds = commands("""
                EXPOSE 8080/tcp 443 53/udp
                WORKDIR /app
                USER app:app
                VOLUME ["/data", "/logs"]
                VOLUME /a /b
                STOPSIGNAL SIGTERM
                MAINTAINER Jane <jane@example.com>
                """);

        assertThat(((Command.Expose) cmds.get(0)).ports()).containsExactly("443", "53/udp", "8080/tcp");
        assertThat(((Command.Workdir) cmds.get(1)).path()).isEqualTo("/app");
        assertThat(((Command.User) cmds.get(2)).user()).isEqualTo("app:app");
        assertThat(((Command.Volume) cmds.get(3)).paths()).containsExactly("/data", "/logs");
        assertThat(((Command.Volume) cmds.get(4)).paths()).containsExactly("/a", "/b");
        assertThat(((Command.Stopsignal) cmds.get(5)).signal()).isEqualTo("SIGTERM");
        assertThat(((Command.Maintainer) cmds.get(6)).name()).isEqualTo("Jane <jane@example.com>");
    }

    @Test
    void copyAndAddFlagsAndSources() {
        List<Command> cmds = commands("""
                COPY --from=build --chown=1000:1000 --chmod=0755 --link --exclude=*.md --exclude=tmp --parents a b /dst/
                COPY ["with space", "/x y/"]
                ADD --checksum=sha256:abc --keep-git-dir=false --unpack https://example.com/a.tgz /opt/
                ADD f /g
                """);

        Command.Copy copy = (Command.Copy) cmds.get(0);
        assertThat(copy.sources()).containsExactly("a", "b");
        assertThat(copy.destination()).isEqualTo("/dst/");
        assertThat(copy.from()).contains("build");
        assertThat(copy.chown()).contains("1000:1000");
        assertThat(copy.chmod()).contains("0755");
        assertThat(copy.link()).isTrue();
        assertThat(copy.parents()).isTrue();
        assertThat(copy.excludes()).containsExactly("*.md", "tmp");
        Command.Copy json = (Command.Copy) cmds.get(1);
        assertThat(json.sources()).containsExactly("with space");
        assertThat(json.destination()).isEqualTo("/x y/");
        assertThat(json.from()).isEmpty();
        assertThat(json.link()).isFalse();
        Command.Add add = (Command.Add) cmds.get(2);
        assertThat(add.checksum()).contains("sha256:abc");
        assertThat(add.keepGitDir()).contains(false);
        assertThat(add.unpack()).contains(true);
        Command.Add plain = (Command.Add) cmds.get(3);
        assertThat(plain.keepGitDir()).isEmpty();
        assertThat(plain.unpack()).isEmpty();
    }

    @Test
    void heredocSourcesOfCopyAreInlineFiles() {
        Command.Copy copy = (Command.Copy) commands("COPY <<EOF <<-'RAW' real /dst/\nhello $X\nEOF\n\tkeep $Y\nRAW\n")
                .getFirst();

        assertThat(copy.sources()).containsExactly("real");
        assertThat(copy.inlineSources()).containsExactly(
                new Command.InlineSource("EOF", "hello $X\n", true),
                new Command.InlineSource("RAW", "keep $Y\n", false));
    }

    @Test
    void onbuildKeepsItsTriggerForLater() {
        Command.Onbuild onbuild = (Command.Onbuild) single("ONBUILD RUN --network=none make");

        assertThat(onbuild.expression()).isEqualTo("RUN --network=none make");
        assertThat(onbuild.triggerCommand()).isInstanceOfSatisfying(Command.Run.class,
                run -> assertThat(run.network()).isEqualTo("none"));
        Command.Onbuild bad = (Command.Onbuild) single("ONBUILD RUNN make");
        assertThatThrownBy(bad::triggerCommand).hasMessage("line 2: unknown instruction: RUNN (did you mean RUN?)");
    }

    @Test
    void instructionsThatBuildKitDoesNotCheckForFlagsIgnoreThem() {
        assertThat(single("STOPSIGNAL --foo 9")).isInstanceOf(Command.Stopsignal.class);
        assertThat(single("HEALTHCHECK --foo NONE")).isInstanceOf(Command.Healthcheck.class);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            // unknown instructions, with the nearest keyword in the writer's case
            "RUNN echo       | line 2: unknown instruction: RUNN (did you mean RUN?)",
            "cpoy a b        | line 2: unknown instruction: cpoy (did you mean copy?)",
            "Entrypiont x    | line 2: unknown instruction: Entrypiont (did you mean entrypoint?)",
            "FOOBAR x        | line 2: unknown instruction: FOOBAR",
            // flags
            "COPY --form=a x y     | line 2: unknown flag: --form (did you mean from?); known flags: --chown, --from, --chmod, --link, --exclude, --parents",
            "WORKDIR --x=1 /a      | line 2: unknown flag: --x; this instruction takes no flags",
            "COPY --from=a --from=b x y | line 2: duplicate flag specified: --from; give it once",
            "COPY --from x y       | line 2: missing a value on flag: --from; write --from=<value>",
            "COPY --link= x y      | line 2: missing a value on flag: --link; write --link or --link=false",
            "COPY --link=maybe x y | line 2: expecting boolean value for flag --link, not: maybe",
            "RUN --network=bridge x | line 2: invalid network mode \"bridge\"; use default, none or host",
            "RUN --security=x y    | line 2: security \"x\" is not valid; use sandbox or insecure",
            "RUN --mount=from=$X,target=/a x | line 2: 'from' doesn't support variable expansion, define alias stage instead",
            // argument counts
            "COPY onlyone          | line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined",
            "ADD onlyone           | line 2: ADD requires at least two arguments, but only one was provided. Destination could not be determined",
            "WORKDIR               | line 2: WORKDIR requires exactly one argument",
            "USER                  | line 2: USER requires exactly one argument",
            "EXPOSE                | line 2: EXPOSE requires at least one argument",
            "VOLUME []             | line 2: VOLUME requires at least one argument",
            "VOLUME [\"\"]         | line 2: VOLUME specified can not be an empty string",
            "ARG                   | line 2: ARG requires at least one argument",
            "ARG =x                | line 2: ARG names can not be blank",
            "ENV =x                | line 2: ENV names can not be blank",
            "LABEL                 | line 2: LABEL requires at least one argument",
            "SHELL /bin/sh -c      | line 2: SHELL requires the arguments to be in JSON form; write it as SHELL [\"/bin/sh\", \"-c\"]",
            "SHELL []              | line 2: SHELL requires at least one argument",
            "ONBUILD ONBUILD RUN x | line 2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
            "ONBUILD FROM x        | line 2: FROM isn't allowed as an ONBUILD trigger",
            // healthcheck
            "HEALTHCHECK NONE x    | line 2: HEALTHCHECK NONE takes no arguments",
            "HEALTHCHECK CMD       | line 2: Missing command after HEALTHCHECK CMD",
            "HEALTHCHECK RUN x     | line 2: Unknown type \"RUN\" in HEALTHCHECK (try CMD); write HEALTHCHECK CMD <command> or HEALTHCHECK NONE",
            "HEALTHCHECK --interval=5 CMD x   | line 2: --interval: time: missing unit in duration \"5\"; write a number with a unit, such as 30s, 1m30s or 500ms",
            "HEALTHCHECK --timeout=1x CMD x   | line 2: --timeout: time: unknown unit \"x\" in duration \"1x\"; write a number with a unit, such as 30s, 1m30s or 500ms",
            "HEALTHCHECK --interval=10us CMD x | line 2: Interval \"interval\" cannot be less than 1ms",
            "HEALTHCHECK --retries=-1 CMD x   | line 2: --retries cannot be negative (-1)",
            "HEALTHCHECK --retries=two CMD x  | line 2: strconv.ParseInt: parsing \"two\": invalid syntax; --retries takes a whole number",
    })
    void refusesBadInstructions(String line, String message) {
        assertThatThrownBy(() -> commands(line + "\n"))
                .isInstanceOf(InstructionException.class)
                .hasMessage(message);
    }

    @Test
    void aHeredocIsNoDestination() {
        assertThatThrownBy(() -> commands("COPY a <<EOF\nx\nEOF\n"))
                .hasMessage("lines 2-4: COPY cannot accept a heredoc as a destination; give a path as the last argument");
    }

    @Test
    void anErrorInAContinuedInstructionNamesAllItsLines() {
        assertThatThrownBy(() -> commands("COPY \\\n  onlyone\n"))
                .isInstanceOfSatisfying(InstructionException.class, e -> {
                    assertThat(e.startLine()).isEqualTo(2);
                    assertThat(e.endLine()).isEqualTo(3);
                    assertThat(e.getMessage()).startsWith("lines 2-3: COPY requires at least two arguments");
                });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "FROM                | line 1: FROM requires either one or three arguments; write FROM <image> or FROM <image> AS <name>",
            "FROM a AS           | line 1: FROM requires either one or three arguments; write FROM <image> or FROM <image> AS <name>",
            "FROM a AS 1st       | line 1: invalid name for build stage: \"1st\", name can't start with a number or contain symbols",
            "FROM a AS b$c       | line 1: invalid name for build stage: \"b$c\", name can't start with a number or contain symbols",
            "FROM --platfrom=x a | line 1: unknown flag: --platfrom (did you mean platform?); known flags: --platform",
            "FROM --plat=x a     | line 1: unknown flag: --plat; known flags: --platform",
    })
    void refusesBadFromLines(String line, String message) {
        assertThatThrownBy(() -> parseAlone(line + "\n")).isInstanceOf(InstructionException.class).hasMessage(message);
    }
}
