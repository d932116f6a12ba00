package dev.skiff.cli.template;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --format} as docker's formatter applies it: tables, plain formats and errors. */
class OutputFormatTest {
    /** docker's image list headers (cli/command/formatter/image.go). */
    private static final Map<String, String> HEADERS = Map.of("Repository", "REPOSITORY", "Tag", "TAG",
            "ID", "IMAGE ID", "CreatedSince", "CREATED", "Size", "SIZE", "Digest", "DIGEST");

    /** The two images of /work/shared/reference/docker-traces/engine-image-ls.md. */
    private static final List<Fields> IMAGES = List.of(
            image("getting-started", "latest", "10a6c4699500", "40 seconds ago", "1.98MB"),
            image("busybox", "local", "3019ff6aa250", "5 minutes ago", "1.98MB"));

    private static Fields image(String repository, String tag, String id, String createdSince, String size) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("Repository", repository);
        fields.put("Tag", tag);
        fields.put("ID", id);
        fields.put("CreatedSince", createdSince);
        fields.put("Size", size);
        return new Fields("*formatter.imageContext", fields);
    }

    @Test
    void dockersDefaultImageTablePrintsTheRealListing() {
        // docker's defaultImageTableFormat, with the two-character \t escapes a shell passes through.
        String format = "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t"
                + "{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\\t{{.Size}}";

        assertThat(OutputFormat.parse(format).render(HEADERS, IMAGES)).isEqualTo("""
                REPOSITORY        TAG       IMAGE ID       CREATED          SIZE
                getting-started   latest    10a6c4699500   40 seconds ago   1.98MB
                busybox           local     3019ff6aa250   5 minutes ago    1.98MB
                """);
    }

    @Test
    void aTableWithRealTabsAndFunctionsKeepsItsHeaderNames() {
        OutputFormat format = OutputFormat.parse("table {{upper .Repository}}\t{{truncate .ID 4}}");

        assertThat(format.isTable()).isTrue();
        assertThat(format.render(HEADERS, IMAGES)).isEqualTo("""
                REPOSITORY        IMAGE ID
                GETTING-STARTED   10a6
                BUSYBOX           3019
                """);
    }

    @Test
    void anEmptyTableIsItsHeaderAndAnUnnamedFieldHasNoValue() {
        assertThat(OutputFormat.parse("table {{.Tag}}\\t{{.Foo}}").render(HEADERS, List.of()))
                .isEqualTo("TAG       <no value>\n");
    }

    @Test
    void aPlainFormatPrintsOneLinePerRow() {
        OutputFormat format = OutputFormat.parse("{{.Repository}}:{{.Tag}}");

        assertThat(format.isTable()).isFalse();
        assertThat(format.render(HEADERS, IMAGES)).isEqualTo("getting-started:latest\nbusybox:local\n");
    }

    @Test
    void jsonMeansEachRowAsJson() {
        assertThat(OutputFormat.parse("json").render(HEADERS, IMAGES.subList(1, 2))).isEqualTo(
                "{\"CreatedSince\":\"5 minutes ago\",\"ID\":\"3019ff6aa250\",\"Repository\":\"busybox\","
                        + "\"Size\":\"1.98MB\",\"Tag\":\"local\"}\n");
    }

    @Test
    void errorsCarryDockersPrefix() {
        assertThatThrownBy(() -> OutputFormat.parse("table {{.ID}"))
                .isInstanceOf(TemplateException.class)
                .hasMessage("template parsing error: template: :1: unexpected \"}\" in operand");
        assertThatThrownBy(() -> OutputFormat.parse("table {{.Foo}}").render(HEADERS, IMAGES))
                .isInstanceOf(TemplateException.class)
                .hasMessage("template parsing error: template: :1:2: executing \"\" at <.Foo>: "
                        + "can't evaluate field Foo in type *formatter.imageContext");
    }
}
