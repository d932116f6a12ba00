package dev.skiff.registry.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The registry's accounts: an Apache htpasswd file with bcrypt entries, the file {@code htpasswd -B}
 * writes and distribution's htpasswd auth reads, so either tool can manage it. Entries with other hash
 * kinds, or with a name that could not be a namespace, are skipped and reported in {@link #warnings()}.
 * Blank lines and lines starting with {@code #} are ignored; for a user listed twice the first entry
 * counts, as in Apache.
 *
 * <p>The file is re-read when it changes (checked at most once a second, on use), so users added with
 * {@link #putUser} while a registry runs can log in at once.
 */
public final class Htpasswd {
    static final int MAX_USERNAME_LENGTH = 64;
    static final int COST = 10;
    /** bcrypt reads no further; a longer password would silently be the same as its first 72 bytes. */
    static final int MAX_PASSWORD_BYTES = 72;
    static final Duration RELOAD_CHECK_INTERVAL = Duration.ofSeconds(1);

    private static final Pattern USERNAME = Pattern.compile("[a-z0-9]+(?:[._-][a-z0-9]+)*");
    private static final Pattern BCRYPT_HASH = Pattern.compile("\\$2[aby]\\$(\\d\\d)\\$[./A-Za-z0-9]{53}");
    private static final SecureRandom RANDOM = new SecureRandom();
    // Truncating at 72 bytes is what Apache's htpasswd does, so its long passwords verify here too.
    private static final BCrypt.Verifyer VERIFYER =
            BCrypt.verifyer(BCrypt.Version.VERSION_2Y, LongPasswordStrategies.truncate(BCrypt.Version.VERSION_2Y));
    private static final BCrypt.Hasher HASHER = BCrypt.with(BCrypt.Version.VERSION_2Y, RANDOM,
            LongPasswordStrategies.strict(BCrypt.Version.VERSION_2Y));
    private static final Object WRITE_LOCK = new Object();

    private record Stamp(FileTime modified, long size, Object fileKey) {
    }

    /** One reading of the file; replaced whole, so a verify never sees half of two readings. */
    private record Snapshot(Map<String, String> hashes, List<String> warnings, Stamp stamp, String dummyHash) {
    }

    private final Path file;
    private final InstantSource clock;
    private volatile Snapshot snapshot;
    private volatile Optional<String> reloadProblem = Optional.empty();
    private volatile Instant nextCheck;

    private Htpasswd(Path file, InstantSource clock, Snapshot snapshot) {
        this.file = file;
        this.clock = clock;
        this.snapshot = snapshot;
        this.nextCheck = clock.instant().plus(RELOAD_CHECK_INTERVAL);
    }

    public static Htpasswd load(Path file) {
        return load(file, InstantSource.system());
    }

    static Htpasswd load(Path file, InstantSource clock) {
        try {
            return new Htpasswd(file, clock, read(file));
        } catch (NoSuchFileException e) {
            throw new AuthException("the password file " + file + " does not exist; create it with"
                    + " `skiff registry user add` or `htpasswd -B -c " + file + " <user>`", e);
        } catch (IOException e) {
            throw new AuthException("cannot read the password file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * True when {@code password} is {@code user}'s. Costs one bcrypt whether or not the user exists, so
     * the answer's timing does not tell which users exist.
     */
    public boolean verify(String user, char[] password) {
        reloadIfChanged();
        Snapshot current = snapshot;
        String hash = user == null ? null : current.hashes().get(user);
        char[] candidate = password == null ? new char[0] : password;
        if (hash == null) {
            VERIFYER.verify(candidate, current.dummyHash().toCharArray());
            return false;
        }
        return password != null && VERIFYER.verify(candidate, hash.toCharArray()).verified;
    }

    /** The file this was loaded from, for {@link #putUser}. */
    public Path file() {
        return file;
    }

    public Set<String> users() {
        reloadIfChanged();
        return Collections.unmodifiableSet(snapshot.hashes().keySet());
    }

    /** What was skipped in the file, line by line, and whether the last reload failed. */
    public List<String> warnings() {
        List<String> all = new ArrayList<>(snapshot.warnings());
        reloadProblem.ifPresent(all::add);
        return List.copyOf(all);
    }

    /**
     * Adds {@code user} or changes their password: bcrypt, cost {@value #COST}, {@code $2y$} as
     * {@code htpasswd -B} writes it. Every other line stays as it is. The file is replaced atomically; a
     * new file is readable by its owner only.
     */
    public static void putUser(Path file, String user, char[] password) {
        checkUsername(user);
        checkPassword(password);
        String hash = HASHER.hashToString(COST, password);
        String entry = user + ":" + hash;
        synchronized (WRITE_LOCK) {
            try {
                List<String> lines = new ArrayList<>();
                Set<PosixFilePermission> permissions = AtomicFiles.OWNER_ONLY;
                if (Files.exists(file)) {
                    lines.addAll(splitLines(new String(Files.readAllBytes(file), StandardCharsets.UTF_8)));
                    permissions = Files.getPosixFilePermissions(file);
                }
                boolean replaced = false;
                for (int i = 0; i < lines.size() && !replaced; i++) {
                    if (lines.get(i).strip().startsWith(user + ":")) {
                        lines.set(i, entry);
                        replaced = true;
                    }
                }
                if (!replaced) {
                    lines.add(entry);
                }
                StringBuilder content = new StringBuilder();
                lines.forEach(line -> content.append(line).append('\n'));
                AtomicFiles.replace(file, content.toString().getBytes(StandardCharsets.UTF_8), permissions);
            } catch (IOException e) {
                throw new AuthException("cannot write the password file " + file + ": " + e.getMessage(), e);
            }
        }
    }

    static boolean isValidUsername(String user) {
        return user != null && user.length() <= MAX_USERNAME_LENGTH && USERNAME.matcher(user).matches();
    }

    private static void checkUsername(String user) {
        if (!isValidUsername(user)) {
            throw new AuthException("invalid username " + (user == null ? "(none)" : "\"" + user + "\"")
                    + ": a username becomes its owner's namespace, so use lowercase letters and digits, optionally"
                    + " separated by single '.', '_' or '-' (e.g. alice or alice.smith), at most "
                    + MAX_USERNAME_LENGTH + " characters");
        }
    }

    private static void checkPassword(char[] password) {
        if (password == null || password.length == 0) {
            throw new AuthException("the password must not be empty");
        }
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        int length = bytes.remaining();
        Arrays.fill(bytes.array(), (byte) 0);
        if (length > MAX_PASSWORD_BYTES) {
            throw new AuthException("the password is " + length + " bytes long in UTF-8; bcrypt uses only the first "
                    + MAX_PASSWORD_BYTES + " bytes, so choose one of at most " + MAX_PASSWORD_BYTES + " bytes");
        }
    }

    private void reloadIfChanged() {
        Instant now = clock.instant();
        if (now.isBefore(nextCheck)) {
            return;
        }
        synchronized (this) {
            if (now.isBefore(nextCheck)) {
                return;
            }
            // Set first: verifies arriving during a reload go on with the old snapshot instead of waiting.
            nextCheck = now.plus(RELOAD_CHECK_INTERVAL);
            try {
                if (!stamp(file).equals(snapshot.stamp())) {
                    snapshot = read(file);
                }
                reloadProblem = Optional.empty();
            } catch (IOException e) {
                reloadProblem = Optional.of("cannot reload the password file " + file + " (" + e
                        + "); the users read before stay in effect");
            }
        }
    }

    private static Stamp stamp(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        // The inode changes on every atomic replace, even within the file system's mtime granularity.
        return new Stamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
    }

    private static Snapshot read(Path file) throws IOException {
        Stamp stamp = stamp(file);
        List<String> lines = splitLines(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
        Map<String, String> hashes = new LinkedHashMap<>();
        Map<String, Integer> firstLine = new HashMap<>();
        Map<Integer, Integer> costs = new HashMap<>();
        List<String> warnings = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            int number = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                warnings.add(file + " line " + number + ": skipped, no ':' between user name and password hash");
                continue;
            }
            String user = line.substring(0, colon);
            String hash = line.substring(colon + 1).strip();
            if (!isValidUsername(user)) {
                warnings.add(file + " line " + number + ": user \"" + abbreviate(user) + "\" skipped, a user name must"
                        + " be lowercase letters and digits separated by single '.', '_' or '-', at most "
                        + MAX_USERNAME_LENGTH + " characters");
                continue;
            }
            var bcrypt = BCRYPT_HASH.matcher(hash);
            if (!bcrypt.matches()) {
                warnings.add(file + " line " + number + ": user " + user + " skipped, the password hash is "
                        + describeHash(hash) + ", not bcrypt; set it again with `htpasswd -B` or"
                        + " `skiff registry user add`");
                continue;
            }
            if (hashes.containsKey(user)) {
                warnings.add(file + " line " + number + ": user " + user + " appears again; the entry on line "
                        + firstLine.get(user) + " is used");
                continue;
            }
            hashes.put(user, hash);
            firstLine.put(user, number);
            costs.merge(Integer.parseInt(bcrypt.group(1)), 1, Integer::sum);
        }
        return new Snapshot(Collections.unmodifiableMap(hashes), List.copyOf(warnings), stamp, dummyHash(costs));
    }

    /** A hash of a random password at the file's most common cost, to spend the time a real check takes. */
    private static String dummyHash(Map<Integer, Integer> costs) {
        int cost = costs.entrySet().stream()
                .max(Map.Entry.<Integer, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                .map(Map.Entry::getKey)
                .filter(c -> c >= BCrypt.MIN_COST && c <= BCrypt.MAX_COST)
                .orElse(COST);
        byte[] secret = new byte[16];
        RANDOM.nextBytes(secret);
        return HASHER.hashToString(cost,
                HexFormat.of().formatHex(secret).toCharArray());
    }

    private static String describeHash(String hash) {
        if (hash.startsWith("$apr1$")) {
            return "Apache MD5 ($apr1$)";
        } else if (hash.startsWith("{SHA}")) {
            return "SHA-1 ({SHA})";
        } else if (hash.startsWith("$5$")) {
            return "SHA-256 crypt ($5$)";
        } else if (hash.startsWith("$6$")) {
            return "SHA-512 crypt ($6$)";
        } else if (hash.startsWith("$2")) {
            return "a malformed or unsupported bcrypt variant";
        }
        return "crypt or plain text";
    }

    private static List<String> splitLines(String content) {
        List<String> lines = new ArrayList<>(Arrays.asList(content.split("\n", -1)));
        if (!lines.isEmpty() && lines.getLast().isEmpty()) {
            lines.removeLast();
        }
        return lines;
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
