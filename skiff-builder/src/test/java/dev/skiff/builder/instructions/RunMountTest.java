package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.DockerfileException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** RUN --mount specs as BuildKit's parseMount reads them. */
class RunMountTest {
    private static final UnaryOperator<String> SAME = UnaryOperator.identity();

    @Test
    void aBareSpecIsAReadOnlyBindOfTheContext() {
        RunMount m = RunMount.parse("target=/src", SAME);

        assertThat(m.type()).isEqualTo(RunMount.Type.BIND);
        assertThat(m.target()).contains("/src");
        assertThat(m.from()).isEmpty();
        assertThat(m.readOnly()).isTrue();
    }

    @Test
    void cacheMountWithAllItsKeys() {
        RunMount m = RunMount.parse("type=cache,id=go,target=/root/.cache,sharing=locked,mode=0700,uid=1000,gid=1000",
                SAME);

        assertThat(m.type()).isEqualTo(RunMount.Type.CACHE);
        assertThat(m.id()).contains("go");
        assertThat(m.sharing()).contains(RunMount.Sharing.LOCKED);
        assertThat(m.mode()).isEqualTo(OptionalLong.of(0700));
        assertThat(m.uid()).isEqualTo(OptionalLong.of(1000));
        assertThat(m.gid()).isEqualTo(OptionalLong.of(1000));
        assertThat(m.readOnly()).isFalse();
    }

    @Test
    void tmpfsSizeSecretAndBindFromAStage() {
        assertThat(RunMount.parse("type=tmpfs,target=/t,size=64m", SAME).sizeLimit()).isEqualTo(OptionalLong.of(64L << 20));
        assertThat(RunMount.parse("type=tmpfs,target=/t,size=1.5k", SAME).sizeLimit()).isEqualTo(OptionalLong.of(1536));
        RunMount secret = RunMount.parse("type=secret,id=npmrc,target=/root/.npmrc,required,env=TOKEN", SAME);
        assertThat(secret.required()).isTrue();
        assertThat(secret.env()).contains("TOKEN");
        assertThat(secret.readOnly()).isTrue();
        RunMount bind = RunMount.parse("type=bind,from=build,source=/out,target=/in,rw", SAME);
        assertThat(bind.from()).contains("build");
        assertThat(bind.source()).contains("/out");
        assertThat(bind.readOnly()).isFalse();
        assertThat(RunMount.parse("type=bind,target=/in,readonly=false", SAME).readOnly()).isFalse();
    }

    @Test
    void valuesAreExpandedButKeysAreNot() {
        Map<String, String> env = Map.of("HOME", "/root", "ID", "x");
        RunMount m = RunMount.parse("type=cache,target=$HOME/.cache,id=$ID", v -> v.replace("$HOME", env.get("HOME"))
                .replace("$ID", env.get("ID")));

        assertThat(m.target()).contains("/root/.cache");
        assertThat(m.id()).contains("x");
    }

    @Test
    void csvQuotingAllowsCommasInValues() {
        assertThat(RunMount.parse("\"target=/a,b\",type=tmpfs", SAME).target()).contains("/a,b");
        assertThat(RunMount.csvFields("\"a\"\"b\",c")).containsExactly("a\"b", "c");
    }

    @Test
    void fromIsReadBeforeExpansionAndMayNotHoldAVariable() {
        assertThat(RunMount.unexpandedFrom("type=bind,from=build,target=/x")).contains("build");
        assertThat(RunMount.unexpandedFrom("type=cache,target=/x")).isEqualTo(Optional.empty());
        assertThat(RunMount.unexpandedFrom("from=price$,target=/x")).contains("price$");
        assertThatThrownBy(() -> RunMount.unexpandedFrom("from=${STAGE},target=/x"))
                .hasMessage("'from' doesn't support variable expansion, define alias stage instead");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "type=volume,target=/a       | unsupported mount type \"volume\"; use one of bind, cache, tmpfs, secret, ssh",
            "type=cahce,target=/a        | unsupported mount type \"cahce\" (did you mean cache?); use one of bind, cache, tmpfs, secret, ssh",
            "target=/a,foo               | invalid field 'foo' must be a key=value pair",
            "targte=/a                   | unexpected key 'targte' in 'targte=/a' (did you mean target?)",
            "target=/a,ro=maybe          | invalid value for ro: maybe",
            "target=/a,required          | unexpected key 'required' for mount type 'bind'",
            "target=/a,size=1m           | unexpected key 'size' for mount type 'bind'",
            "type=tmpfs,target=/a,size=lots | invalid value for size: lots",
            "type=cache,target=/a,mode=999 | invalid value 999 for mode",
            "type=cache,target=/a,uid=-1 | invalid value -1 for uid",
            "type=cache,target=/a,gid=x  | invalid value x for gid",
            "type=bind,target=/a,uid=0   | uid not allowed for \"bind\" type mounts",
            "type=tmpfs,target=/a,mode=700 | mode not allowed for \"tmpfs\" type mounts",
            "type=cache,target=/a,sharing=all | unsupported sharing value \"all\"; use shared, private or locked",
            "type=secret,id=a,from=b     | secret mount should not have a from",
            "type=secret                 | invalid secret mount. one of source, target required",
            "type=secret,id=a,source=b   | both source and id can't be set",
            "type=secret,id=a,sharing=shared | secret mount should not define sharing",
            "type=bind,target=/a,sharing=shared | invalid cache sharing set for bind mount",
            "~\"target=/a~               | failed to parse csv mounts: extraneous or missing \" in quoted-field; close the quote",
            "~target=/a\"b~              | failed to parse csv mounts: bare \" in non-quoted-field; quote the whole field, doubling inner quotes",
    })
    void refusesBadSpecs(String spec, String message) {
        assertThatThrownBy(() -> RunMount.parse(spec, SAME)).isInstanceOf(DockerfileException.class).hasMessage(message);
    }
}
