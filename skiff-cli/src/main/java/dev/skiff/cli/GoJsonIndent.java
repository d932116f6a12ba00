package dev.skiff.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;

/**
 * JSON indented as Go's {@code json.Indent(..., "", "    ")} writes it, which docker's inspect commands
 * print: four spaces, {@code "key": value}, and empty arrays and objects as {@code []} and {@code {}}
 * (Jackson's default printer writes {@code [ ]} and {@code { }}).
 */
final class GoJsonIndent extends DefaultPrettyPrinter {
    GoJsonIndent() {
        _objectIndenter = new DefaultIndenter("    ", "\n");
        _arrayIndenter = new DefaultIndenter("    ", "\n");
        _objectFieldValueSeparatorWithSpaces = ": ";
    }

    private GoJsonIndent(GoJsonIndent base) {
        super(base);
        _objectFieldValueSeparatorWithSpaces = ": ";
    }

    @Override
    public DefaultPrettyPrinter createInstance() {
        return new GoJsonIndent(this);
    }

    @Override
    public void writeEndArray(JsonGenerator g, int nrOfValues) throws IOException {
        if (nrOfValues == 0) {
            _nesting--;
            g.writeRaw(']');
            return;
        }
        super.writeEndArray(g, nrOfValues);
    }

    @Override
    public void writeEndObject(JsonGenerator g, int nrOfEntries) throws IOException {
        if (nrOfEntries == 0) {
            _nesting--;
            g.writeRaw('}');
            return;
        }
        super.writeEndObject(g, nrOfEntries);
    }

    /** {@code node} as docker's inspect prints it; an empty list is {@code []}. */
    static String format(JsonNode node) throws IOException {
        return ImageCommands.JSON.writer(new GoJsonIndent()).writeValueAsString(node);
    }
}
