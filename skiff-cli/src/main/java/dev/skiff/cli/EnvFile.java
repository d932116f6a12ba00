package dev.skiff.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code --env-file} and {@code -e} values with docker's rules: {@code NAME=value} kept as is (no quotes
 * removed, no expansion), a bare {@code NAME} takes the host's value and is dropped when the host has none,
 * blank lines and {@code #} comments skipped, a name with whitespace refused.
 */
final class EnvFile {
    private EnvFile() {
    }

    static List<String> read(Path file, Function<String, Optional<String>> lookup) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new Cli.UserError("open " + file + ": no such file or directory");
        } catch (IOException e) {
            throw new Cli.UserError("open " + file + ": " + e.getMessage());
        }
        return parse(file.toString(), bytes, lookup);
    }

    static List<String> parse(String name, byte[] bytes, Function<String, Optional<String>> lookup) {
        List<String> result = new ArrayList<>();
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        int offset = 0;
        for (int i = 0; i < lines.length; i++) {
            byte[] raw = lines[i].getBytes(StandardCharsets.UTF_8);
            try {
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes, offset, Math.min(raw.length, bytes.length - offset)));
            } catch (CharacterCodingException e) {
                throw new Cli.UserError("env file " + name + " contains invalid utf8 bytes at line " + (i + 1));
            }
            offset += raw.length + 1;
            String line = lines[i];
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            line = line.stripLeading();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String entry = entry(line, lookup);
            if (entry != null) {
                result.add(entry);
            }
        }
        return result;
    }

    /** One {@code -e} value or env-file line: {@code NAME=value}, or {@code NAME} taken from {@code lookup}; null if unset there. */
    static String entry(String text, Function<String, Optional<String>> lookup) {
        int eq = text.indexOf('=');
        String variable = (eq < 0 ? text : text.substring(0, eq)).stripLeading();
        if (variable.chars().anyMatch(c -> c == ' ' || c == '\t' || c == '\n' || c == '\u000b' || c == '\f' || c == '\r')) {
            throw new Cli.UserError("poorly formatted environment: variable '" + variable + "' contains whitespaces");
        }
        if (variable.isEmpty()) {
            throw new Cli.UserError("poorly formatted environment: no variable name on line '" + text + "'");
        }
        if (eq >= 0) {
            return variable + text.substring(eq);
        }
        return lookup.apply(text).map(v -> text + "=" + v).orElse(null);
    }

    static Function<String, Optional<String>> hostEnvironment() {
        Map<String, String> env = System.getenv();
        return name -> Optional.ofNullable(env.get(name));
    }
}
