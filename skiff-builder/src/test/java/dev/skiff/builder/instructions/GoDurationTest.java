package dev.skiff.builder.instructions;

import dev.skiff.builder.dockerfile.DockerfileException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Cases from Go's time.ParseDuration tests: the value in nanoseconds, or Go's error. */
class GoDurationTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "0                        | 0",
            "5s                       | 5000000000",
            "-5s                      | -5000000000",
            "+5s                      | 5000000000",
            "-0                       | 0",
            "5.0s                     | 5000000000",
            "5.6s                     | 5600000000",
            "5.s                      | 5000000000",
            ".5s                      | 500000000",
            "1.004s                   | 1004000000",
            "100.00100s               | 100001000000",
            "10ns                     | 10",
            "11us                     | 11000",
            "12µs                     | 12000",
            "12μs                     | 12000",
            "13ms                     | 13000000",
            "15m                      | 900000000000",
            "16h                      | 57600000000000",
            "3h30m                    | 12600000000000",
            "10.5s4m                  | 250500000000",
            "-2m3.4s                  | -123400000000",
            "1h2m3s4ms5us6ns          | 3723004005006",
            "39h9m14.425s             | 140954425000000",
            "0.3333333333333333333h   | 1200000000000",
            "9223372036854775807ns    | 9223372036854775807",
            "9223372036854775.807us   | 9223372036854775807",
            "-9223372036854775808ns   | -9223372036854775808",
            "0.100000000000000000000h | 360000000000",
            "0.830103483285477580700h | 2988372539827",
    })
    void parsesAsGo(String text, long nanos) {
        assertThat(GoDuration.parse(text).toNanos()).isEqualTo(nanos);
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "~~                      | time: invalid duration \"\"",
            "-                       | time: invalid duration \"-\"",
            "s                       | time: invalid duration \"s\"",
            ".                       | time: invalid duration \".\"",
            ".s                      | time: invalid duration \".s\"",
            "3                       | time: missing unit in duration \"3\"",
            "1d                      | time: unknown unit \"d\" in duration \"1d\"",
            "9223372036854775808ns   | time: invalid duration \"9223372036854775808ns\"",
            "-9223372036854775809ns  | time: invalid duration \"-9223372036854775809ns\"",
            "3000000h                | time: invalid duration \"3000000h\"",
            "9223372036854775.808us  | time: invalid duration \"9223372036854775.808us\"",
            "9223372036854ms775us808ns | time: invalid duration \"9223372036854ms775us808ns\"",
    })
    void refusesAsGo(String text, String message) {
        assertThatThrownBy(() -> GoDuration.parse(text)).isInstanceOf(DockerfileException.class).hasMessage(message);
    }
}
