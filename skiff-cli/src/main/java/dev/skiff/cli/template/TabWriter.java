package dev.skiff.cli.template;

import java.util.ArrayList;
import java.util.List;

/**
 * Go's text/tabwriter (docker's fork of it) as a pure function: aligns tab-terminated cells into
 * columns. A column is a run of adjacent lines that all have a tab-terminated cell at that index; its
 * width is its widest cell plus {@code padding}, and at least {@code minWidth}. Text after a line's last
 * tab is not part of any column. Widths count terminal cells, as docker's fork does with go-runewidth:
 * East Asian wide characters take two, combining marks none.
 */
public final class TabWriter {
    private final int minWidth;
    private final int tabWidth;
    private final int padding;
    private final char padChar;

    public TabWriter(int minWidth, int tabWidth, int padding, char padChar) {
        if (minWidth < 0 || tabWidth < 0 || padding < 0) {
            throw new IllegalArgumentException("tabwriter widths must not be negative");
        }
        this.minWidth = minWidth;
        this.tabWidth = tabWidth;
        this.padding = padding;
        this.padChar = padChar;
    }

    /** docker's table writer: {@code tabwriter.NewWriter(out, 10, 1, 3, ' ', 0)}. */
    public static TabWriter docker() {
        return new TabWriter(10, 1, 3, ' ');
    }

    private record Cell(String text, int width, boolean tabTerminated) {
    }

    /** Aligns all of {@code text} (what Go's Writer would print after a final Flush). */
    public String align(String text) {
        List<List<Cell>> lines = new ArrayList<>();
        List<Cell> line = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\t' || c == '\u000b') {
                String cell = text.substring(start, i);
                line.add(new Cell(cell, width(cell), c == '\t'));
                start = i + 1;
            } else if (c == '\n' || c == '\f') {
                String cell = text.substring(start, i);
                line.add(new Cell(cell, width(cell), false));
                lines.add(line);
                line = new ArrayList<>();
                start = i + 1;
            }
        }
        if (start < text.length()) {
            String cell = text.substring(start);
            line.add(new Cell(cell, width(cell), false));
        }
        lines.add(line);
        StringBuilder out = new StringBuilder();
        format(out, lines, 0, lines.size(), new ArrayList<>());
        return out.toString();
    }

    private void format(StringBuilder out, List<List<Cell>> lines, int line0, int line1, List<Integer> widths) {
        int column = widths.size();
        for (int i = line0; i < line1; i++) {
            if (column >= lines.get(i).size() - 1) {
                continue;
            }
            // A column block starts here: print the lines before it, then size it.
            writeLines(out, lines, line0, i, widths);
            line0 = i;
            int width = minWidth;
            for (; i < line1; i++) {
                List<Cell> line = lines.get(i);
                if (column >= line.size() - 1) {
                    break;
                }
                width = Math.max(width, line.get(column).width() + padding);
            }
            widths.add(width);
            format(out, lines, line0, i, widths);
            widths.removeLast();
            line0 = i;
        }
        writeLines(out, lines, line0, line1, widths);
    }

    private void writeLines(StringBuilder out, List<List<Cell>> lines, int line0, int line1, List<Integer> widths) {
        for (int i = line0; i < line1; i++) {
            List<Cell> line = lines.get(i);
            for (int j = 0; j < line.size(); j++) {
                Cell c = line.get(j);
                out.append(c.text());
                if (j < widths.size()) {
                    writePadding(out, c.width(), widths.get(j));
                }
            }
            if (i + 1 < lines.size()) {
                out.append('\n');
            }
        }
    }

    private void writePadding(StringBuilder out, int textWidth, int cellWidth) {
        if (padChar == '\t') {
            if (tabWidth == 0) {
                return;
            }
            int rounded = (cellWidth + tabWidth - 1) / tabWidth * tabWidth;
            out.append("\t".repeat((rounded - textWidth + tabWidth - 1) / tabWidth));
            return;
        }
        out.append(String.valueOf(padChar).repeat(Math.max(0, cellWidth - textWidth)));
    }

    static int width(String s) {
        int w = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            w += width(cp);
        }
        return w;
    }

    private static int width(int cp) {
        int type = Character.getType(cp);
        if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || type == Character.FORMAT
                || cp == 0) {
            return 0;
        }
        boolean wide = cp >= 0x1100 && cp <= 0x115F || cp >= 0x2E80 && cp <= 0x303E || cp >= 0x3041 && cp <= 0x33FF
                || cp >= 0x3400 && cp <= 0x4DBF || cp >= 0x4E00 && cp <= 0x9FFF || cp >= 0xA000 && cp <= 0xA4CF
                || cp >= 0xAC00 && cp <= 0xD7A3 || cp >= 0xF900 && cp <= 0xFAFF || cp >= 0xFE30 && cp <= 0xFE4F
                || cp >= 0xFF00 && cp <= 0xFF60 || cp >= 0xFFE0 && cp <= 0xFFE6 || cp >= 0x1F300 && cp <= 0x1F64F
                || cp >= 0x1F900 && cp <= 0x1F9FF || cp >= 0x20000 && cp <= 0x3FFFD;
        return wide ? 2 : 1;
    }
}
