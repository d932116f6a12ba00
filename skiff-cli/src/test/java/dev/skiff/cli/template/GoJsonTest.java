package dev.skiff.cli.template;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GoJsonTest {
    @Test
    void aFormatterContextEscapesHtmlAsJsonMarshalDoesButItsFieldsAloneDoNot() {
        Fields row = Fields.of(Map.of("Repository", "<none>", "CreatedBy", "echo a > b && c"));
        assertThat(GoTemplate.parse("{{json .}}").execute(row))
                .isEqualTo("{\"CreatedBy\":\"echo a \\u003e b \\u0026\\u0026 c\",\"Repository\":\"\\u003cnone\\u003e\"}");
        assertThat(GoTemplate.parse("{{json .Repository}}").execute(row)).isEqualTo("\"<none>\"");
        assertThat(GoTemplate.parse("{{json .}}").execute(Map.of("a", "<b>"))).isEqualTo("{\"a\":\"<b>\"}");
    }
}
