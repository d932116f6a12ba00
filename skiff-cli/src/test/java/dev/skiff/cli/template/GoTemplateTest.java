package dev.skiff.cli.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Templates and what Go's text/template (with docker's functions) prints for them. */
class GoTemplateTest {
    private static final JsonNode IMAGE = json("""
            {"Id": "sha256:10a6c4699500", "RepoTags": ["getting-started:latest", "getting-started:v1"],
             "RepoDigests": [], "Size": 1982563, "Name": "web", "Names": ["a", "b"], "Running": true,
             "Count": 0, "Created": "2026-11-27T10:00:00Z",
             "Config": {"Env": ["PATH=/usr/bin", "A=<b>&c"], "Labels": {"b": "2", "a": "1"}, "Cmd": null,
                        "User": "", "Ratio": 0.5, "Big": 1000000.0}}
            """);

    static Stream<Arguments> outputs() {
        return Stream.of(
                // docker's own examples
                arguments("{{.Id}}", "sha256:10a6c4699500"),
                arguments("{{json .Config.Env}}", "[\"PATH=/usr/bin\",\"A=<b>&c\"]"),
                arguments("{{index .RepoTags 0}}", "getting-started:latest"),
                arguments("{{range .RepoTags}}{{.}} {{end}}", "getting-started:latest getting-started:v1 "),
                arguments("{{if .Running}}a{{else}}b{{end}}", "a"),
                arguments("{{.Size | printf \"%d\"}}", "1982563"),
                arguments("{{join .Names \",\"}}", "a,b"),
                arguments("{{upper .Name}}", "WEB"),
                // printing values as Go's fmt does
                arguments("{{.Size}}", "1982563"),
                arguments("{{.Config.Ratio}}", "0.5"),
                arguments("{{.Config.Big}}", "1000000"),
                arguments("{{1e6}} {{1.5}} {{0x1F}} {{'a'}}", "1e+06 1.5 31 97"),
                arguments("{{.RepoTags}}", "[getting-started:latest getting-started:v1]"),
                arguments("{{.RepoDigests}}", "[]"),
                arguments("{{.Config.Labels}}", "map[a:1 b:2]"),
                arguments("{{.Config.Cmd}}", "<nil>"),
                arguments("{{.Running}}", "true"),
                // control structures
                arguments("{{range $i, $t := .RepoTags}}{{$i}}={{$t}};{{end}}",
                        "0=getting-started:latest;1=getting-started:v1;"),
                arguments("{{range $t := .RepoTags}}{{$t}},{{end}}", "getting-started:latest,getting-started:v1,"),
                arguments("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}} {{end}}", "a=1 b=2 "),
                arguments("{{range .RepoDigests}}x{{else}}none{{end}}", "none"),
                arguments("{{range .Config.Cmd}}x{{else}}none{{end}}", "none"),
                arguments("{{range 3}}{{.}}{{end}}", "012"),
                arguments("{{range .RepoTags}}{{if eq . \"getting-started:v1\"}}{{break}}{{end}}{{.}}{{end}}",
                        "getting-started:latest"),
                arguments("{{range .Names}}{{if eq . \"a\"}}{{continue}}{{end}}{{.}}{{end}}", "b"),
                arguments("{{if .Count}}a{{else if .Config.User}}b{{else if .Name}}c{{else}}d{{end}}", "c"),
                arguments("{{with .Config}}[{{.User}}]{{end}}", "[]"),
                arguments("{{with .Config.User}}u{{else}}none{{end}}", "none"),
                arguments("{{with $x := .Name}}{{$x}}{{.}}{{end}}", "webweb"),
                arguments("{{$n := .Name}}{{$n = \"x\"}}{{$n}}", "x"),
                arguments("{{range .Names}}{{$.Name}}{{end}}", "webweb"),
                // whitespace and comments
                arguments("a  {{- .Name -}}  b", "awebb"),
                arguments("a\n\t{{- .Name}}\n", "aweb\n"),
                arguments("{{- 3}} {{-3}}", "3 -3"),
                arguments("x{{/* a comment */}}y", "xy"),
                arguments("x {{- /* trimmed */ -}} y", "xy"),
                arguments("{{.Name\n}}", "web"),
                // literals
                arguments("{{\"a\\tb\\u00e9\"}}", "a\tbé"),
                arguments("{{`raw\\t`}}", "raw\\t"),
                arguments("{{true}} {{false}}", "true false"),
                // pipelines and parentheses
                arguments("{{.Name | upper | printf \"<%s>\"}}", "<WEB>"),
                arguments("{{(index .RepoTags 1)}}", "getting-started:v1"),
                arguments("{{(.Config).User}}-{{len (index .Config.Env 0)}}", "-13"),
                arguments("{{printf \"%s-%s\" (lower \"A\") (upper .Name)}}", "a-WEB"),
                // Go builtins
                arguments("{{len .RepoTags}} {{len .Name}} {{len .Config.Labels}} {{len \"é\"}}", "2 3 2 2"),
                arguments("{{index .Config.Labels \"a\"}}|{{index .Config.Labels \"missing\"}}|", "1||"),
                arguments("{{slice .Name 1 2}} {{slice .RepoTags 1}}", "e [getting-started:v1]"),
                arguments("{{eq .Name \"web\"}} {{eq .Count 1 2 0}} {{ne .Count 0}} {{eq .Config.Cmd nil}}",
                        "true true false true"),
                arguments("{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2}} {{lt .Config.Ratio 1}}",
                        "true true true false true"),
                arguments("{{and .Running .Name}} {{and .Count .Name}} {{or .Count .Name}} {{or .Count \"\"}}",
                        "web 0 web "),
                arguments("{{not .Running}} {{not .Config.User}}", "false true"),
                arguments("{{print 1 2 \"a\" \"b\" 3}}", "1 2ab3"),
                arguments("{{println \"a\" 1}}", "a 1\n"),
                arguments("{{html \"<a href='x'>\"}} {{urlquery \"a b&c\"}}", "&lt;a href=&#39;x&#39;&gt; a+b%26c"),
                // printf
                arguments("{{printf \"%-10s|%5d|%q|%t|%x|%v\" .Name .Count .Name .Running .Name .Config.Ratio}}",
                        "web       |    0|\"web\"|true|776562|0.5"),
                arguments("{{printf \"%5.2f|%e|%g|%.3g|%05d|%+d|%X\" 3.14159 1234.5678 0.00001 2.0 42 7 255}}",
                        " 3.14|1.234568e+03|1e-05|2|00042|+7|FF"),
                arguments("{{printf \"%.2f\" 2.675}}", "2.67"),
                arguments("{{printf \"%d %s\" \"x\"}}", "%!d(string=x) %!s(MISSING)"),
                arguments("{{printf \"%d\" 1 2}}", "1%!(EXTRA int=2)"),
                arguments("{{printf \"%s %v %%\" .RepoTags .Config.Cmd}}",
                        "[getting-started:latest getting-started:v1] <nil> %"),
                arguments("{{printf \"%q\" \"a\\\"\\n\"}}", "\"a\\\"\\n\""),
                // docker's functions
                arguments("{{title \"hello wide-world\"}} {{lower \"ABC\"}}", "Hello Wide-World abc"),
                arguments("[{{pad .Name 1 2}}][{{pad \"\" 1 2}}]", "[ web  ][]"),
                arguments("{{truncate .Id 12}} {{truncate .Name 10}}", "sha256:10a6c web"),
                arguments("{{split \"a,b,,c\" \",\"}} {{len (split \"\" \",\")}}", "[a b  c] 1"),
                arguments("{{join .Config.Labels \"+\"}} {{join .Config.Cmd \",\"}}.", "1+2 ."),
                arguments("{{json .Config.Labels}}", "{\"b\":\"2\",\"a\":\"1\"}"),
                arguments("{{json .Name}} {{json .Size}} {{json .Config.Cmd}} {{json .Config.Ratio}} {{json .Config.Big}}",
                        "\"web\" 1982563 null 0.5 1000000"),
                arguments("{{json \"tab\\there\\u2028\"}}", "\"tab\\there\\u2028\""),
                arguments("{{json .Names | printf \"%s!\"}}", "[\"a\",\"b\"]!"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outputs")
    void printsWhatGoPrints(String template, String expected) {
        assertThat(GoTemplate.parse(template).execute(IMAGE)).isEqualTo(expected);
    }

    static Stream<Arguments> parseErrors() {
        return Stream.of(
                arguments("{{.ID}", "template: :1: unexpected \"}\" in operand"),
                arguments("{{.ID", "template: :1: unclosed action"),
                arguments("a\nb {{.ID", "template: :2: unclosed action"),
                arguments("{{if .X}}a", "template: :1: unexpected EOF"),
                arguments("{{end}}", "template: :1: unexpected {{end}}"),
                arguments("{{else}}", "template: :1: unexpected {{else}}"),
                arguments("{{if .A}}x{{else}}y{{else}}z{{end}}", "template: :1: expected end; found {{else}}"),
                arguments("{{foo .X}}", "template: :1: function \"foo\" not defined"),
                arguments("{{$x}}", "template: :1: undefined variable \"$x\""),
                arguments("{{if $x := 1}}{{end}}{{$x}}", "template: :1: undefined variable \"$x\""),
                arguments("{{}}", "template: :1: missing value for command"),
                arguments("{{\"abc}}", "template: :1: unterminated quoted string"),
                arguments("{{.A | \"x\"}}", "template: :1: non executable command in pipeline stage 2"),
                arguments("{{/* x }}", "template: :1: unclosed comment"),
                arguments("{{/* x */ .A}}", "template: :1: comment ends before closing delimiter"),
                arguments("{{break}}", "template: :1: {{break}} outside {{range}}"),
                arguments("{{(.A}}", "template: :1: unclosed left paren"),
                arguments("{{.A)}}", "template: :1: unexpected right paren"),
                arguments("{{.A#}}", "template: :1: bad character U+0023 '#'"),
                arguments("{{3x}}", "template: :1: bad number syntax: \"3x\""),
                arguments("{{\"a\".B}}", "template: :1: unexpected . after term \"\\\"a\\\"\""),
                arguments("{{range $a, $b, $c := .X}}{{end}}", "template: :1: too many declarations in range"),
                arguments("{{range $a, 3}}{{end}}", "template: :1: range can only initialize variables"),
                arguments("{{define \"x\"}}{{end}}",
                        "template: :1: {{define}} is not supported: a format is a single template"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parseErrors")
    void refusesWhatGoRefuses(String template, String message) {
        assertThatThrownBy(() -> GoTemplate.parse(template))
                .isInstanceOf(TemplateException.class).hasMessage(message);
    }

    static Stream<Arguments> executionErrors() {
        return Stream.of(
                arguments("{{.Foo}}", "template: :1:2: executing \"\" at <.Foo>: map has no entry for key \"Foo\""),
                arguments("{{.Config.Foo}}",
                        "template: :1:2: executing \"\" at <.Config.Foo>: map has no entry for key \"Foo\""),
                arguments("x\n {{.Foo}}", "template: :2:3: executing \"\" at <.Foo>: map has no entry for key \"Foo\""),
                arguments("{{.Name.Foo}}",
                        "template: :1:2: executing \"\" at <.Name.Foo>: can't evaluate field Foo in type string"),
                arguments("{{.Config.Cmd.X}}",
                        "template: :1:2: executing \"\" at <.Config.Cmd.X>: nil pointer evaluating interface {}.X"),
                arguments("{{index .RepoTags 5}}",
                        "template: :1:2: executing \"\" at <index .RepoTags 5>: error calling index: index out of range: 5"),
                arguments("{{join .Name \",\"}}",
                        "template: :1:2: executing \"\" at <join .Name \",\">: error calling join: expected slice, got string"),
                arguments("{{upper .Count}}",
                        "template: :1:8: executing \"\" at <.Count>: wrong type for value; expected string; got int64"),
                arguments("{{len}}", "template: :1:2: executing \"\" at <len>: wrong number of args for len: want 1 got 0"),
                arguments("{{printf}}",
                        "template: :1:2: executing \"\" at <printf>: wrong number of args for printf: want at least 1 got 0"),
                arguments("{{lt .Name 1}}",
                        "template: :1:2: executing \"\" at <lt .Name 1>: error calling lt: incompatible types for comparison"),
                arguments("{{range .Name}}{{end}}",
                        "template: :1:8: executing \"\" at <.Name>: range can't iterate over web"),
                arguments("{{nil}}", "template: :1:2: executing \"\" at <nil>: nil is not a command"),
                arguments("{{.Name 1}}",
                        "template: :1:2: executing \"\" at <.Name>: Name is not a method but has arguments"),
                arguments("{{1 | printf}}",
                        "template: :1:6: executing \"\" at <printf>: wrong type for value; expected string; got int"),
                arguments("{{.Name}}{{\"x\" 2}}",
                        "template: :1:11: executing \"\" at <\"x\">: can't give argument to non-function \"x\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("executionErrors")
    void failsAsGoFails(String template, String message) {
        GoTemplate parsed = GoTemplate.parse(template);
        assertThatThrownBy(() -> parsed.execute(IMAGE)).isInstanceOf(TemplateException.class).hasMessage(message);
    }

    @Test
    void computedFieldsActLikeDockersFormatterStructs() {
        Fields row = new Fields("*formatter.imageContext", Map.of("Repository", "busybox", "Tag", "local"));

        assertThat(GoTemplate.parse("{{.Repository}}:{{.Tag}}").execute(row)).isEqualTo("busybox:local");
        assertThat(GoTemplate.parse("{{json .}}").execute(row))
                .isEqualTo("{\"Repository\":\"busybox\",\"Tag\":\"local\"}");
        assertThatThrownBy(() -> GoTemplate.parse("{{.Foo}}").execute(row)).hasMessage(
                "template: :1:2: executing \"\" at <.Foo>: can't evaluate field Foo in type *formatter.imageContext");
    }

    @Test
    void plainJavaValuesWork() {
        Map<String, Object> data = Map.of("Names", List.of("x", "y"), "N", 3, "F", 1234567.0, "M", Map.of("k", true));

        assertThat(GoTemplate.parse("{{.Names}} {{.N}} {{.F}} {{.M}} {{json .M}} {{printf \"%T %T\" .N .F}}")
                .execute(data)).isEqualTo("[x y] 3 1.234567e+06 map[k:true] {\"k\":true} int float64");
    }

    @Test
    void aParsedTemplateRunsManyTimes() {
        GoTemplate t = GoTemplate.parse("{{$x := .}}{{$x}}");

        assertThat(t.execute("a")).isEqualTo("a");
        assertThat(t.execute("b")).isEqualTo("b");
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
