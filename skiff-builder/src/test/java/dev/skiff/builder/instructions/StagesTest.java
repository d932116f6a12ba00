package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.DockerfileException;
import dev.skiff.builder.dockerfile.DockerfileParser;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Grouping by FROM, --target lookup and the stage dependency graph. */
class StagesTest {
    private static final String MULTI = """
            ARG GO=1.22
            ARG BASE
            FROM golang:${GO} AS Deps
            RUN go mod download
            FROM deps AS build
            RUN --mount=type=cache,target=/root/.cache go build -o /out/app
            FROM node:20 AS web
            RUN npm ci
            FROM alpine AS unused
            FROM scratch
            COPY --from=build /out/app /app
            COPY --from=2 /dist /www
            COPY --from=nginx:latest /etc/nginx /etc/nginx
            RUN --mount=from=WEB,target=/w --mount=type=bind,from=busybox,target=/bb true
            """;

    private static Stages stages(String text) {
        return Stages.of(DockerfileParser.parse(text));
    }

    private static List<String> names(List<Stage> stages) {
        return stages.stream().map(Stage::displayName).toList();
    }

    @Test
    void groupsInstructionsByFromWithGlobalArgsFirst() {
        Stages s = stages(MULTI);

        assertThat(s.globalArgs()).hasSize(2);
        assertThat(s.globalArgs().getFirst().definitions().getFirst().name()).isEqualTo("GO");
        assertThat(names(s.stages())).containsExactly("deps", "build", "web", "unused", "stage-4");
        assertThat(s.stages().get(1).commands()).singleElement().isInstanceOf(Command.Run.class);
        assertThat(s.stages().get(4).commands()).hasSize(4);
        assertThat(s.stages().get(3).commands()).isEmpty();
    }

    @Test
    void targetsAreFoundIgnoringCaseAndDefaultToTheLastStage() {
        Stages s = stages(MULTI);

        assertThat(s.target(Optional.of("BUILD")).index()).isEqualTo(1);
        assertThat(s.byName("Deps")).map(Stage::index).contains(0);
        assertThat(s.target(Optional.empty()).index()).isEqualTo(4);
        assertThatThrownBy(() -> s.target(Optional.of("biuld")))
                .isInstanceOf(DockerfileException.class)
                .hasMessage("target stage \"biuld\" could not be found (did you mean build?);"
                        + " the stages are: deps, build, web, unused");
    }

    @Test
    void theGraphFollowsFromCopyFromAndMountFrom() {
        Stages s = stages(MULTI);
        StageGraph g = s.graph();
        Stage deps = s.stages().get(0);
        Stage build = s.stages().get(1);
        Stage last = s.stages().get(4);

        assertThat(g.baseStage(build)).contains(deps);
        assertThat(g.baseStage(deps)).isEmpty();
        assertThat(g.images(deps)).containsExactly("golang:${GO}");
        assertThat(names(g.dependencies(last))).containsExactly("build", "web");
        assertThat(g.images(last)).containsExactly("nginx:latest", "busybox");
        assertThat(names(g.required(last))).containsExactly("deps", "build", "web", "stage-4");
        assertThat(g.waves(last)).extracting(StagesTest::names)
                .containsExactly(List.of("deps", "web"), List.of("build"), List.of("stage-4"));
        assertThat(names(g.required(s.target(Optional.of("build"))))).containsExactly("deps", "build");
    }

    @Test
    void fromNamesAStageOnlyWhenItIsDefinedBefore() {
        Stages s = stages("FROM later AS first\nFROM alpine AS later\nFROM first\n");
        StageGraph g = s.graph();

        assertThat(g.baseStage(s.stages().get(0))).isEmpty();
        assertThat(g.images(s.stages().get(0))).containsExactly("later");
        assertThat(g.baseStage(s.stages().get(2))).map(Stage::index).contains(0);
    }

    @Test
    void aLaterStageWithTheSameNameWinsForCopyFrom() {
        Stages s = stages("FROM a AS x\nFROM b AS x\nFROM c\nCOPY --from=x / /\n");

        assertThat(s.graph().dependencies(s.stages().get(2))).extracting(Stage::index).containsExactly(1);
    }

    @Test
    void refusesInstructionsBeforeTheFirstFrom() {
        assertThatThrownBy(() -> stages("ARG A\nRUN true\nFROM a\n"))
                .isInstanceOf(InstructionException.class)
                .hasMessage("line 2: no build stage in current context;"
                        + " a Dockerfile must start with FROM (only ARG may come before it)");
    }

    @Test
    void refusesAFileWithoutFrom() {
        assertThatThrownBy(() -> stages("ARG A\nARG B\n"))
                .isInstanceOf(InstructionException.class)
                .hasMessage("line 2: dockerfile contains no stages to build; add a FROM instruction");
    }

    @Test
    void refusesCopyFromAVariable() {
        assertThatThrownBy(() -> stages("FROM a\nCOPY --from=$X / /\n").graph())
                .hasMessage("line 2: variable expansion is not supported for --from,"
                        + " define a new stage with FROM using ARG from global scope as a workaround");
    }

    @Test
    void refusesABadStageIndex() {
        assertThatThrownBy(() -> stages("FROM a\nFROM b\nCOPY --from=5 / /\n").graph())
                .hasMessage("line 3: invalid stage index 5; stages are numbered from 0 to 1");
    }

    @Test
    void refusesCopyFromTheSameOrALaterStage() {
        assertThatThrownBy(() -> stages("FROM a AS one\nCOPY --from=two / /\nFROM b AS two\n").graph())
                .hasMessage("line 2: cannot copy from stage \"two\", it needs to be defined before current stage \"one\"");
        assertThatThrownBy(() -> stages("FROM a\nCOPY --from=0 / /\n").graph())
                .hasMessage("line 2: cannot copy from stage \"0\", it needs to be defined before current stage \"stage-0\"");
    }

    @Test
    void refusesMountCycles() {
        assertThatThrownBy(() -> stages("""
                FROM a AS one
                RUN --mount=from=two,target=/x true
                FROM b AS two
                RUN --mount=from=one,target=/x true
                """).graph())
                .hasMessage("line 1: circular dependency detected on stage: one");
    }
}
