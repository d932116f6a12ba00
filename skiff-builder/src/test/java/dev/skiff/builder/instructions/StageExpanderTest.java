package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.DockerfileParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

/**
 * ARG/ENV scoping and expansion. The Dockerfiles marked "BuildKit" are from BuildKit's integration
 * tests (frontend/dockerfile/dockerfile_args_test.go), with the results those tests require.
 */
class StageExpanderTest {
    private static final Platform AMD64 = Platform.of("linux", "amd64");

    private static StageExpander expander(String dockerfile, Map<String, String> buildArgs) {
        return new StageExpander(Stages.of(DockerfileParser.parse(dockerfile)), BuildOptions.forPlatform(AMD64, buildArgs));
    }

    private static ExpandedStage stage(String dockerfile, Map<String, String> buildArgs, String name) {
        StageExpander x = expander(dockerfile, buildArgs);
        Stages stages = Stages.of(DockerfileParser.parse(dockerfile));
        return x.expand(stages.target(Optional.ofNullable(name)), Map.of());
    }

    private static ExpandedStage.Step step(ExpandedStage stage, int index) {
        return stage.steps().get(index);
    }

    @Test
    void buildKitMultiArgs() {
        String df = """
                ARG a1="foo bar" a2=box
                ARG a3="$a2-foo"
                FROM busy$a2 AS build
                ARG a3 a4="123 456" a1
                RUN echo -n "$a1:$a3:$a4" > /out
                FROM scratch
                COPY --from=build /out .
                """;
        ExpandedStage build = stage(df, Map.of(), "build");

        assertThat(build.from().image()).isEqualTo("busybox");
        assertThat(step(build, 1).environment())
                .contains(entry("a1", "foo bar"), entry("a3", "box-foo"), entry("a4", "123 456"))
                .doesNotContainKey("a2");
    }

    @Test
    void buildKitQuotedMetaArgs() {
        String df = """
                ARG a1="box"
                ARG a2="$a1-foo"
                FROM busy$a1 AS build
                ARG a2
                ARG a3="bar-$a2"
                RUN echo -n $a3 > /out
                """;

        assertThat(step(stage(df, Map.of(), null), 2).environment()).containsEntry("a3", "bar-box-foo");
    }

    @Test
    void buildKitTargetStageName() {
        String df = """
                FROM alpine AS base
                WORKDIR /out
                RUN echo -n "value:$TARGETSTAGE" > /out/first
                ARG TARGETSTAGE
                RUN echo -n "value:$TARGETSTAGE" > /out/second
                FROM scratch AS foo
                COPY --from=base /out/ /
                FROM scratch
                COPY --from=base /out/ /
                """;
        Stages stages = Stages.of(DockerfileParser.parse(df));
        Stage base = stages.byName("base").orElseThrow();
        ExpandedStage forFoo = new StageExpander(stages, BuildOptions.forPlatform(AMD64, Map.of()).withTarget("foo"))
                .expand(base, Map.of());
        ExpandedStage forDefault = new StageExpander(stages, BuildOptions.forPlatform(AMD64, Map.of()))
                .expand(base, Map.of());

        assertThat(step(forFoo, 1).environment()).doesNotContainKey("TARGETSTAGE");
        assertThat(step(forFoo, 3).environment()).containsEntry("TARGETSTAGE", "foo");
        assertThat(step(forDefault, 3).environment()).containsEntry("TARGETSTAGE", "default");
    }

    @Test
    void buildKitGlobalArgErrors() {
        String df = "ARG FOO=${FOO:?\"custom error\"}\nFROM busybox\n";

        assertThatThrownBy(() -> expander(df, Map.of()))
                .isInstanceOf(InstructionException.class)
                .hasMessageStartingWith("line 1: ")
                .hasMessageContaining("FOO: custom error");
        assertThat(expander(df, Map.of("FOO", "bar")).globalArgs()).containsEntry("FOO", "bar");
    }

    @Test
    void buildKitArgDefaultExpansion() {
        String df = "FROM scratch\nARG FOO\nARG BAR=${FOO:?\"foo missing\"}\n";

        assertThatThrownBy(() -> stage(df, Map.of(), null))
                .isInstanceOf(InstructionException.class)
                .hasMessageStartingWith("line 3: ")
                .hasMessageContaining("FOO: foo missing");
        assertThat(step(stage(df, Map.of("FOO", "123"), null), 1).command())
                .isEqualTo(new Command.Arg(List.of(new Command.ArgDefinition("BAR", Optional.of("123"))),
                        new Location(3, 3, "ARG BAR=${FOO:?\"foo missing\"}")));
        // A build arg replaces the default, which is then never expanded.
        assertThat(stage(df, Map.of("BAR", "123"), null).environment()).containsEntry("BAR", "123");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "nil      |          | my_arg=def_val | my_arg=d",
            "empty    | ''       | my_arg=def_val | my_arg=d",
            "override | override | my_arg=override | my_arg=ov",
    })
    void buildKitDefaultEnvWithArgs(String name, String buildArg, String myArg, String trimmed) {
        String df = """
                ARG image=idlebox
                FROM busy${image#idle} AS build
                ARG my_arg
                ENV my_arg "my_arg=${my_arg:-def_val}"
                ENV my_trimmed_arg "${my_arg%%e*}"
                COPY myscript.sh myscript.sh
                RUN ./myscript.sh $my_arg $my_trimmed_arg
                """;
        Map<String, String> args = new HashMap<>();
        if (buildArg != null) {
            args.put("my_arg", buildArg);
        }
        ExpandedStage build = stage(df, args, null);

        assertThat(build.from().image()).isEqualTo("busybox");
        assertThat(step(build, 4).environment()).contains(entry("my_arg", myArg), entry("my_trimmed_arg", trimmed));
    }

    @Test
    void buildKitEmptyStringArgInEnv() {
        ExpandedStage s = stage("FROM busybox AS build\nARG FOO\nARG BAR=\nRUN env > env.txt\n", Map.of(), null);

        assertThat(step(s, 2).environment()).containsEntry("BAR", "").doesNotContainKey("FOO");
    }

    @Test
    void allWordsOfOneEnvSeeTheVariablesFromBeforeIt() {
        // The example of the Dockerfile reference: def is "hello", ghi is "bye".
        ExpandedStage s = stage("FROM busybox\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\n", Map.of(), null);

        assertThat(s.environment()).contains(entry("abc", "bye"), entry("def", "hello"), entry("ghi", "bye"));
    }

    @Test
    void globalArgsAreSeenByFromOnlyUntilRedeclared() {
        String df = """
                ARG VERSION=3.19
                FROM alpine:$VERSION
                RUN echo $VERSION
                WORKDIR /v$VERSION
                ARG VERSION
                WORKDIR /v$VERSION
                """;
        ExpandedStage s = stage(df, Map.of(), null);

        assertThat(s.from().image()).isEqualTo("alpine:3.19");
        assertThat(step(s, 0).environment()).doesNotContainKey("VERSION");
        assertThat(step(s, 1).command()).isEqualTo(new Command.Workdir("/v", new Location(4, 4, "WORKDIR /v$VERSION")));
        assertThat(((Command.Workdir) step(s, 3).command()).path()).isEqualTo("/v3.19");
        ExpandedStage overridden = stage(df, Map.of("VERSION", "3.20"), null);
        assertThat(overridden.from().image()).isEqualTo("alpine:3.20");
        assertThat(((Command.Workdir) step(overridden, 3).command()).path()).isEqualTo("/v3.20");
    }

    @Test
    void undeclaredBuildArgsAreInvisible() {
        ExpandedStage s = stage("FROM busybox\nUSER $WHO\n", Map.of("WHO", "root"), null);

        assertThat(((Command.User) step(s, 0).command()).user()).isEmpty();
    }

    @Test
    void platformArgsArePredefinedForFromAndByArgInStages() {
        String df = """
                FROM --platform=$BUILDPLATFORM golang AS build
                ARG TARGETOS TARGETARCH TARGETVARIANT
                ENV GOOS=$TARGETOS GOARCH=$TARGETARCH ARM=${TARGETVARIANT#v}
                """;
        Stages stages = Stages.of(DockerfileParser.parse(df));
        BuildOptions cross = BuildOptions.forPlatform(AMD64, Map.of()).withTargetPlatform(Platform.parse("linux/arm/v7"));
        StageExpander x = new StageExpander(stages, cross);
        ExpandedStage s = x.expand(stages.stages().getFirst(), Map.of());

        assertThat(x.globalArgs()).contains(entry("BUILDPLATFORM", "linux/amd64"), entry("BUILDOS", "linux"),
                entry("BUILDARCH", "amd64"), entry("BUILDVARIANT", ""), entry("TARGETPLATFORM", "linux/arm/v7"),
                entry("TARGETOS", "linux"), entry("TARGETARCH", "arm"), entry("TARGETVARIANT", "v7"),
                entry("TARGETSTAGE", "build"));
        assertThat(s.from().platform()).contains("linux/amd64");
        assertThat(s.platform()).isEqualTo(AMD64);
        assertThat(s.environment()).contains(entry("GOOS", "linux"), entry("GOARCH", "arm"), entry("ARM", "7"));
    }

    @Test
    void proxyArgsReachRunWithoutBeingVariables() {
        BuildOptions options = BuildOptions.forPlatform(AMD64,
                Map.of("HTTP_PROXY", "http://p:3128", "no_proxy", "localhost", "OTHER", "x"));
        Stages stages = Stages.of(DockerfileParser.parse("FROM busybox\nRUN wget x\n"));
        ExpandedStage s = new StageExpander(stages, options).expand(stages.stages().getFirst(), Map.of());

        assertThat(options.proxyEnvironment()).containsExactly(entry("HTTP_PROXY", "http://p:3128"),
                entry("no_proxy", "localhost"));
        assertThat(step(s, 0).environment()).doesNotContainKeys("HTTP_PROXY", "no_proxy", "OTHER");
    }

    @Test
    void theImageEnvironmentComesFirstAndPathHasADefault() {
        Stages stages = Stages.of(DockerfileParser.parse("FROM a\nENV X=$HOME/x\nFROM scratch\nENV P=$PATH\n"));
        StageExpander x = new StageExpander(stages, BuildOptions.forPlatform(AMD64, Map.of()));

        assertThat(x.expand(stages.stages().get(0), Map.of("HOME", "/root", "PATH", "/bin")).environment())
                .containsEntry("X", "/root/x").containsEntry("PATH", "/bin");
        assertThat(x.expand(stages.stages().get(1), Map.of()).environment())
                .containsEntry("P", StageExpander.DEFAULT_PATH);
    }

    @Test
    void aStageFromAStageStartsWithItsVariables() {
        String df = """
                ARG BASE=base
                FROM alpine AS base
                ARG V=1
                ENV E=$V
                FROM ${BASE}
                RUN echo $V $E
                """;
        Stages stages = Stages.of(DockerfileParser.parse(df));
        StageExpander x = new StageExpander(stages, BuildOptions.forPlatform(AMD64, Map.of()));

        assertThat(step(x.expand(stages.stages().get(1), Map.of()), 0).environment())
                .contains(entry("V", "1"), entry("E", "1"));
        assertThat(x.graph().baseStage(stages.stages().get(1))).map(Stage::index).contains(0);
        assertThat(stages.graph().baseStage(stages.stages().get(1))).isEmpty();
    }

    @Test
    void copyAddWorkdirUserVolumeStopsignalExposeLabelAndMountsAreExpanded() {
        String df = """
                FROM busybox
                ARG U=app D=/srv P="80 443/udp" S=SIGTERM H=/root
                COPY --chown=$U:$U --chmod=755 --from=build src/$U ${D}/
                ADD --checksum=sha256:${U} --chown=$U f $D
                WORKDIR $D
                USER $U
                VOLUME $D/data
                STOPSIGNAL $S
                EXPOSE $P 8080
                LABEL "$U"=$D
                RUN --mount=type=cache,target=$H/.cache,id=c-$U echo $U
                CMD echo $U
                """;
        ExpandedStage s = stage(df, Map.of(), null);

        Command.Copy copy = (Command.Copy) step(s, 1).command();
        assertThat(copy.chown()).contains("app:app");
        assertThat(copy.sources()).containsExactly("src/app");
        assertThat(copy.destination()).isEqualTo("/srv/");
        assertThat(copy.from()).contains("build");
        Command.Add add = (Command.Add) step(s, 2).command();
        assertThat(add.checksum()).contains("sha256:app");
        assertThat(add.destination()).isEqualTo("/srv");
        assertThat(((Command.Workdir) step(s, 3).command()).path()).isEqualTo("/srv");
        assertThat(((Command.User) step(s, 4).command()).user()).isEqualTo("app");
        assertThat(((Command.Volume) step(s, 5).command()).paths()).containsExactly("/srv/data");
        assertThat(((Command.Stopsignal) step(s, 6).command()).signal()).isEqualTo("SIGTERM");
        assertThat(((Command.Expose) step(s, 7).command()).ports()).containsExactly("80", "443/udp", "8080");
        assertThat(((Command.Label) step(s, 8).command()).pairs()).containsExactly(new Command.KeyValue("app", "/srv"));
        ExpandedStage.Step run = step(s, 9);
        assertThat(((Command.Run) run.command()).command().args()).containsExactly("echo $U");
        assertThat(run.mounts()).singleElement().satisfies(m -> {
            assertThat(m.target()).contains("/root/.cache");
            assertThat(m.id()).contains("c-app");
        });
        assertThat(((Command.Cmd) step(s, 10).command()).command().args()).containsExactly("echo $U");
    }

    @Test
    void unquotedHeredocSourcesAreExpandedKeepingQuotes() {
        String df = "FROM busybox\nARG N=world\nCOPY <<EOF <<'RAW' /\nhello \"$N\"\nEOF\nhello $N\nRAW\n";
        Command.Copy copy = (Command.Copy) step(stage(df, Map.of(), null), 1).command();

        assertThat(copy.inlineSources()).extracting(Command.InlineSource::data)
                .containsExactly("hello \"world\"\n", "hello $N\n");
    }

    @Test
    void refusesABlankBaseName() {
        assertThatThrownBy(() -> stage("ARG IMG\nFROM $IMG\n", Map.of(), null))
                .isInstanceOf(InstructionException.class)
                .hasMessage("line 2: base name ($IMG) should not be blank;"
                        + " give the ARG it uses a value (ARG name=value before FROM, or --build-arg)");
    }

    @Test
    void refusesAnEmptyOrBadPlatform() {
        assertThatThrownBy(() -> stage("FROM --platform=$NOPE a\n", Map.of(), null))
                .hasMessage("line 1: empty platform value from expression $NOPE;"
                        + " give it a value such as linux/amd64 or $BUILDPLATFORM");
        assertThatThrownBy(() -> stage("FROM --platform=linux/a/b/c a\n", Map.of(), null))
                .hasMessage("line 1: failed to parse platform linux/a/b/c: \"linux/a/b/c\": invalid platform;"
                        + " write os/arch[/variant], such as linux/arm/v7");
    }

    @Test
    void refusesAWordThatCannotBeExpanded() {
        assertThatThrownBy(() -> stage("FROM a\nWORKDIR ${D\n", Map.of(), null))
                .isInstanceOf(InstructionException.class)
                .hasMessageStartingWith("line 2: ")
                .hasMessageContaining("missing '}'");
    }

    @Test
    void refusesAMountThatIsBadOnceExpanded() {
        assertThatThrownBy(() -> stage("FROM a\nARG U=me\nRUN --mount=type=cache,target=/c,uid=$U true\n", Map.of(), null))
                .isInstanceOf(InstructionException.class)
                .hasMessage("line 3: invalid value me for uid");
    }

    @Test
    void platformsAreNormalizedAsContainerdDoes() {
        assertThat(Platform.parse("linux/aarch64/v8").format()).isEqualTo("linux/arm64");
        assertThat(Platform.parse("linux/x86_64").format()).isEqualTo("linux/amd64");
        assertThat(Platform.parse("linux/arm").format()).isEqualTo("linux/arm/v7");
        assertThat(Platform.parse("arm64").format()).isEqualTo("linux/arm64");
        assertThatThrownBy(() -> Platform.parse("linux")).hasMessageContaining("add the architecture");
    }
}
