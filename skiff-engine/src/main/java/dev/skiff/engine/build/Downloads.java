package dev.skiff.engine.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ADD <url> <dest>}: the file is fetched by the daemon, as dockerd's classic builder fetches it,
 * into a directory of its own: named by the answer's {@code Content-Disposition} or else the last part
 * of the URL's path, mode 0600, modified at the answer's {@code Last-Modified} when it gives one. With
 * {@code --checksum=<algorithm>:<hex>} the bytes must have that digest, or the build stops.
 */
final class Downloads {
    private static final Pattern DISPOSITION = Pattern.compile("(?i)filename\\*?=\\s*\"?(?:UTF-8'')?([^\";]+)\"?");
    private static final HttpClient CLIENT = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30)).build();

    private Downloads() {
    }

    static boolean isUrl(String source) {
        return source.matches("(?i)^https?://.+");
    }

    static boolean isGit(String source) {
        return source.matches("(?i)^git://.*") || source.startsWith("git@") || source.matches("(?i)^https?://.*\\.git(#.*)?$");
    }

    /** Fetches {@code url} into {@code dir}; returns the file's name there. */
    static String fetch(String url, Optional<String> checksum, Path dir) throws IOException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new BuildException("ADD failed: " + url + " is not a valid URL: " + e.getMessage());
        }
        Optional<MessageDigest> expected = checksum.map(Downloads::digestOf);
        HttpResponse<InputStream> response;
        try {
            response = CLIENT.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildException("ADD failed: interrupted while downloading " + url);
        } catch (IOException e) {
            throw new BuildException("ADD failed: cannot download " + url + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()), e);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() / 100 != 2) {
                throw new BuildException("ADD failed: GET " + url + " answered " + response.statusCode()
                        + "; check the URL, or that the server lets this host fetch it");
            }
            String name = name(uri, response.headers().firstValue("Content-Disposition"));
            Path file = dir.resolve(name);
            try (OutputStream out = Files.newOutputStream(file)) {
                byte[] buf = new byte[65536];
                MessageDigest md = expected.orElse(null);
                for (int n; (n = body.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    if (md != null) {
                        md.update(buf, 0, n);
                    }
                }
            }
            if (expected.isPresent()) {
                String got = checksum.get().substring(0, checksum.get().indexOf(':') + 1) + HexFormat.of().formatHex(expected.get().digest());
                if (!got.equalsIgnoreCase(checksum.get())) {
                    throw new BuildException("ADD failed: the download of " + url + " has digest " + got + ", not the "
                            + checksum.get() + " that --checksum expects; the file changed on the server, or the checksum is wrong");
                }
            }
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            Optional<String> modified = response.headers().firstValue("Last-Modified");
            if (modified.isPresent()) {
                try {
                    Files.setLastModifiedTime(file, FileTime.from(ZonedDateTime.parse(modified.get(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()));
                } catch (java.time.format.DateTimeParseException e) {
                    // an unreadable date: the file keeps the time of its download
                }
            }
            return name;
        }
    }

    private static String name(URI uri, Optional<String> disposition) {
        if (disposition.isPresent()) {
            Matcher m = DISPOSITION.matcher(disposition.get());
            if (m.find()) {
                String n = Path.of(m.group(1).strip()).getFileName().toString();
                if (!n.isEmpty() && !n.equals(".") && !n.equals("..")) {
                    return n;
                }
            }
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        String last = path.substring(path.lastIndexOf('/') + 1);
        if (last.isEmpty() || last.equals(".") || last.equals("..")) {
            throw new BuildException("ADD failed: cannot tell a file name from " + uri + "; give a URL whose path ends in the file's name");
        }
        return last;
    }

    private static MessageDigest digestOf(String checksum) {
        int colon = checksum.indexOf(':');
        String algorithm = colon < 0 ? "" : checksum.substring(0, colon).toLowerCase(Locale.ROOT);
        String hex = colon < 0 ? "" : checksum.substring(colon + 1);
        int length = switch (algorithm) {
            case "sha256" -> 64;
            case "sha384" -> 96;
            case "sha512" -> 128;
            default -> -1;
        };
        if (length < 0 || hex.length() != length || !hex.matches("[0-9a-fA-F]+")) {
            throw new BuildException("invalid checksum digest format: " + checksum + "; give it as sha256:<64 hex digits>");
        }
        try {
            return MessageDigest.getInstance(algorithm.toUpperCase(Locale.ROOT).replace("SHA", "SHA-"));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
