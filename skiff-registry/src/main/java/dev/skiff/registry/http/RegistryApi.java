package dev.skiff.registry.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.formats.Descriptor;
import dev.skiff.formats.Digest;
import dev.skiff.formats.FormatException;
import dev.skiff.formats.MediaTypes;
import dev.skiff.formats.RepositoryName;
import dev.skiff.formats.Tag;
import dev.skiff.http.Exchange;
import dev.skiff.http.ExchangeHandler;
import dev.skiff.registry.api.ErrorCode;
import dev.skiff.registry.api.RegistryException;
import dev.skiff.registry.auth.Authenticator;
import dev.skiff.registry.auth.Decision;
import dev.skiff.registry.auth.ResourceScope;
import dev.skiff.registry.auth.TokenResult;
import dev.skiff.registry.store.RegistryStore;
import dev.skiff.registry.store.RepositoryInfoStore;
import dev.skiff.registry.store.StoredManifest;
import dev.skiff.registry.store.Upload;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OCI distribution API and the token endpoint: routes a request, asks the {@link Authenticator},
 * calls the {@link RegistryStore}, and turns every failure into the spec's JSON error.
 */
final class RegistryApi implements ExchangeHandler {
    static final int MANIFEST_LIMIT = 4 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JSON_TYPE = "application/json; charset=utf-8";
    private static final int MAX_PAGE = 10_000;

    private static final Pattern TAGS = Pattern.compile("^/v2/(.+)/tags/list$");
    private static final Pattern MANIFEST = Pattern.compile("^/v2/(.+)/manifests/([^/]+)$");
    private static final Pattern UPLOADS = Pattern.compile("^/v2/(.+)/blobs/uploads/?$");
    private static final Pattern UPLOAD = Pattern.compile("^/v2/(.+)/blobs/uploads/([^/]+)$");
    private static final Pattern BLOB = Pattern.compile("^/v2/(.+)/blobs/([^/]+)$");
    private static final Pattern REFERRERS = Pattern.compile("^/v2/(.+)/referrers/([^/]+)$");
    private static final Pattern CONTENT_RANGE = Pattern.compile("^(?:bytes[ =])?(\\d{1,18})-(\\d{1,18})$");
    private static final Pattern RANGE = Pattern.compile("^(\\d{0,18})-(\\d{0,18})$");

    private final RegistryStore store;
    private final RepositoryInfoStore infos;
    private final Authenticator auth;

    RegistryApi(RegistryStore store, RepositoryInfoStore infos, Authenticator auth) {
        this.store = store;
        this.infos = infos;
        this.auth = auth;
    }

    @Override
    public void handle(Exchange ex) throws InterruptedException {
        try {
            route(ex);
        } catch (RegistryException e) {
            sendError(ex, e, Map.of());
        } catch (Exchange.ConnectionLost e) {
            throw e;
        } catch (UncheckedIOException | IllegalStateException e) {
            System.err.println("skiff registry: " + ex.method() + " " + ex.path() + " failed: " + e);
            sendError(ex, ErrorCode.UNKNOWN.error("the registry could not complete the request: " + e.getMessage()
                    + "; check the server's log and disk"), Map.of());
        }
    }

    private void route(Exchange ex) throws InterruptedException {
        String path = ex.path();
        HttpMethod m = ex.method();
        if (path.equals("/token")) {
            token(ex);
            return;
        }
        if (path.equals("/v2/") || path.equals("/v2")) {
            allowed(ex, m, HttpMethod.GET, HttpMethod.HEAD);
            authorize(ex, Optional.empty());
            ex.send(200, Map.of(), "{}".getBytes(StandardCharsets.UTF_8), JSON_TYPE);
            return;
        }
        if (path.equals("/v2/_catalog")) {
            allowed(ex, m, HttpMethod.GET);
            Optional<String> user = authorize(ex,
                    Optional.of(new ResourceScope(ResourceScope.REGISTRY, "catalog", Set.of(ResourceScope.ALL))));
            catalog(ex, user);
            return;
        }
        Matcher match;
        if ((match = TAGS.matcher(path)).matches()) {
            allowed(ex, m, HttpMethod.GET);
            RepositoryName name = name(match.group(1));
            authorize(ex, pull(name));
            tags(ex, name);
        } else if ((match = MANIFEST.matcher(path)).matches()) {
            RepositoryName name = name(match.group(1));
            String reference = match.group(2);
            if (m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD)) {
                authorize(ex, pull(name));
                getManifest(ex, name, reference);
            } else if (m.equals(HttpMethod.PUT)) {
                Optional<String> user = authorize(ex, push(name));
                putManifest(ex, name, reference, user);
            } else if (m.equals(HttpMethod.DELETE)) {
                authorize(ex, delete(name));
                deleteManifest(ex, name, reference);
            } else {
                throw unsupported(m);
            }
        } else if ((match = UPLOADS.matcher(path)).matches()) {
            allowed(ex, m, HttpMethod.POST);
            RepositoryName name = name(match.group(1));
            authorize(ex, push(name));
            startUpload(ex, name);
        } else if ((match = UPLOAD.matcher(path)).matches()) {
            RepositoryName name = name(match.group(1));
            authorize(ex, push(name));
            String id = match.group(2);
            if (m.equals(HttpMethod.GET)) {
                Map<String, String> headers;
                try (Upload upload = store.openUpload(name, id)) {
                    headers = uploadHeaders(ex, upload);
                }
                ex.send(204, headers, new byte[0], null);
            } else if (m.equals(HttpMethod.PATCH)) {
                patchUpload(ex, name, id);
            } else if (m.equals(HttpMethod.PUT)) {
                putUpload(ex, name, id);
            } else if (m.equals(HttpMethod.DELETE)) {
                try (Upload upload = store.openUpload(name, id)) {
                    store.cancelUpload(upload);
                }
                ex.send(204, Map.of(), new byte[0], null);
            } else {
                throw unsupported(m);
            }
        } else if ((match = BLOB.matcher(path)).matches()) {
            RepositoryName name = name(match.group(1));
            Digest digest = digest(match.group(2));
            if (m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD)) {
                authorize(ex, pull(name));
                getBlob(ex, name, digest);
            } else if (m.equals(HttpMethod.DELETE)) {
                authorize(ex, delete(name));
                store.deleteBlob(name, digest);
                ex.send(202, Map.of("Docker-Content-Digest", digest.toString()), new byte[0], null);
            } else {
                throw unsupported(m);
            }
        } else if ((match = REFERRERS.matcher(path)).matches()) {
            allowed(ex, m, HttpMethod.GET);
            RepositoryName name = name(match.group(1));
            Digest digest = digest(match.group(2));
            authorize(ex, pull(name));
            referrers(ex, name, digest);
        } else {
            ex.send(404, Map.of(), "404 page not found\n".getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
        }
    }

    // ---- auth --------------------------------------------------------------------------------

    private static Optional<ResourceScope> pull(RepositoryName name) {
        return Optional.of(ResourceScope.repository(name, ResourceScope.PULL));
    }

    private static Optional<ResourceScope> push(RepositoryName name) {
        return Optional.of(ResourceScope.repository(name, ResourceScope.PULL, ResourceScope.PUSH));
    }

    private static Optional<ResourceScope> delete(RepositoryName name) {
        return Optional.of(ResourceScope.repository(name, ResourceScope.DELETE));
    }

    private Optional<String> authorize(Exchange ex, Optional<ResourceScope> required) {
        Decision decision = auth.authorize(ex.header(HttpHeaderNames.AUTHORIZATION), ex.clientAddress(), required);
        return switch (decision) {
            case Decision.Granted g -> {
                g.user().ifPresent(ex::user);
                yield g.user();
            }
            case Decision.Challenge c -> throw ErrorCode.UNAUTHORIZED.error(c.message(),
                    required.map(RegistryApi::accessDetail).orElse(null)).withHeader("WWW-Authenticate", absoluteRealm(ex, c.wwwAuthenticate()));
            case Decision.Denied d -> {
                Optional<RepositoryName> hidden = required.filter(r -> r.type().equals(ResourceScope.REPOSITORY))
                        .map(r -> RepositoryName.parse(r.name())).filter(infos::isPrivate);
                if (hidden.isPresent() && required.get().actions().equals(Set.of(ResourceScope.PULL))) {
                    // A private repository is, to those who may not pull it, as if it did not exist.
                    throw ErrorCode.NAME_UNKNOWN.error("repository " + hidden.get() + " is not known to this registry",
                            Map.of("name", hidden.get().value()));
                }
                throw ErrorCode.DENIED.error(d.message(), required.map(RegistryApi::accessDetail).orElse(null));
            }
            case Decision.Throttled t -> throw throttled(t.retryAfter());
        };
    }

    // Without a configured realm the challenge names "/token"; clients need it absolute, on the host they used.
    private static String absoluteRealm(Exchange ex, String challenge) {
        return challenge.replace("realm=\"/token\"", "realm=\"" + ex.baseUrl() + "/token\"");
    }

    private static Object accessDetail(ResourceScope scope) {
        List<Map<String, String>> list = new ArrayList<>();
        for (String action : scope.actions()) {
            list.add(Map.of("Type", scope.type(), "Name", scope.name(), "Action", action));
        }
        return list;
    }

    private static RegistryException throttled(Duration retryAfter) {
        long seconds = Math.max(1, retryAfter.toSeconds());
        return ErrorCode.TOO_MANY_REQUESTS.error("too many failed logins from this address; retry in " + seconds + " s")
                .withHeader("Retry-After", Long.toString(seconds));
    }

    private void token(Exchange ex) throws InterruptedException {
        Optional<String> authorization = ex.header(HttpHeaderNames.AUTHORIZATION);
        List<String> scopes = new ArrayList<>(ex.queryAll("scope"));
        Optional<String> account = ex.query("account");
        if (ex.method().equals(HttpMethod.POST)) {
            // OAuth2 password grant (RFC 6749 4.3), which some clients use instead of the GET form.
            byte[] body = ex.readBody(64 * 1024).orElseThrow(() -> ErrorCode.SIZE_INVALID.error("token request too large"));
            var form = new io.netty.handler.codec.http.QueryStringDecoder("?" + new String(body, StandardCharsets.UTF_8));
            Map<String, List<String>> p = form.parameters();
            String grant = first(p, "grant_type").orElse("");
            if (!grant.equals("password")) {
                ex.send(400, Map.of(), ("{\"error\":\"unsupported_grant_type\",\"error_description\":"
                        + "\"only grant_type=password is supported; log in again with a password\"}\n").getBytes(StandardCharsets.UTF_8), JSON_TYPE);
                return;
            }
            String user = first(p, "username").orElse("");
            String password = first(p, "password").orElse("");
            authorization = Optional.of("Basic " + Base64.getEncoder().encodeToString(
                    (user + ":" + password).getBytes(StandardCharsets.UTF_8)));
            for (String s : p.getOrDefault("scope", List.of())) {
                scopes.addAll(List.of(s.split(" ")));
            }
            account = Optional.of(user);
        } else {
            allowed(ex, ex.method(), HttpMethod.GET, HttpMethod.POST);
        }
        TokenResult result = auth.token(authorization, ex.clientAddress(), scopes, account);
        switch (result) {
            case TokenResult.Issued issued -> {
                ObjectNode body = JSON.createObjectNode();
                body.put("token", issued.token().token());
                body.put("access_token", issued.token().token());
                body.put("expires_in", issued.token().expiresInSeconds());
                body.put("issued_at", DateTimeFormatter.ISO_INSTANT.format(issued.token().issuedAt()));
                account.ifPresent(ex::user);
                ex.send(200, Map.of("Cache-Control", "no-store"), json(body), JSON_TYPE);
            }
            case TokenResult.Unauthorized u -> sendError(ex, ErrorCode.UNAUTHORIZED.error(u.message()),
                    Map.of("WWW-Authenticate", "Basic realm=\"skiff registry\""));
            case TokenResult.Throttled t -> sendError(ex, throttled(t.retryAfter()), Map.of());
        }
    }

    private static Optional<String> first(Map<String, List<String>> p, String key) {
        List<String> v = p.get(key);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.getFirst());
    }

    // ---- catalog and tags -----------------------------------------------------------------------

    private void catalog(Exchange ex, Optional<String> user) {
        // A private repository is listed only to those who may pull it, as if it did not exist.
        boolean authOff = auth.accounts().isEmpty();
        List<String> names = store.repositories().stream()
                .filter(name -> authOff || !infos.isPrivate(name) || auth.policy().isOwner(user, name))
                .map(RepositoryName::value).toList();
        Page page = page(ex, names);
        ObjectNode body = JSON.createObjectNode();
        ArrayNode repos = body.putArray("repositories");
        page.items.forEach(repos::add);
        ex.send(200, page.link("/v2/_catalog", ex), json(body), JSON_TYPE);
    }

    private void tags(Exchange ex, RepositoryName name) {
        Page page = page(ex, store.tags(name));
        ObjectNode body = JSON.createObjectNode();
        body.put("name", name.value());
        ArrayNode tags = body.putArray("tags");
        page.items.forEach(tags::add);
        ex.send(200, page.link("/v2/" + name + "/tags/list", ex), json(body), JSON_TYPE);
    }

    private record Page(List<String> items, boolean more, int n) {
        Map<String, String> link(String path, Exchange ex) {
            if (!more) {
                return Map.of();
            }
            String last = items.getLast();
            return Map.of("Link", "<" + path + "?last=" + urlEncode(last) + "&n=" + n + ">; rel=\"next\"");
        }
    }

    private static Page page(Exchange ex, List<String> sorted) {
        Optional<String> last = ex.query("last");
        List<String> after = last.isEmpty() ? sorted
                : sorted.stream().filter(s -> s.compareTo(last.get()) > 0).toList();
        Optional<String> nText = ex.query("n");
        if (nText.isEmpty()) {
            return new Page(after, false, 0);
        }
        int n;
        try {
            n = Integer.parseInt(nText.get());
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0) {
            throw ErrorCode.PAGINATION_NUMBER_INVALID.error("n must be a whole number from 0 to " + MAX_PAGE
                    + ", got " + abbreviate(nText.get()), Map.of("n", abbreviate(nText.get())));
        }
        n = Math.min(n, MAX_PAGE);
        if (after.size() <= n) {
            return new Page(after, false, n);
        }
        return new Page(after.subList(0, n), n > 0, n);
    }

    // ---- manifests -----------------------------------------------------------------------------

    private void getManifest(Exchange ex, RepositoryName name, String reference) {
        validateReference(reference);
        Optional<StoredManifest> manifest = store.manifest(name, reference);
        if (manifest.isEmpty()) {
            throw ErrorCode.MANIFEST_UNKNOWN.error("manifest " + reference + " is not in repository " + name,
                    Map.of("name", name.value(), "reference", reference));
        }
        StoredManifest mf = manifest.get();
        ex.send(200, Map.of("Docker-Content-Digest", mf.digest().toString(), "ETag", "\"" + mf.digest() + "\""),
                mf.content(), mf.mediaType());
    }

    private void putManifest(Exchange ex, RepositoryName name, String reference, Optional<String> user)
            throws InterruptedException {
        validateReference(reference);
        byte[] body = ex.readBody(MANIFEST_LIMIT).orElseThrow(() -> ErrorCode.SIZE_INVALID
                .error("manifest is larger than " + (MANIFEST_LIMIT >> 20) + " MiB").withStatus(413));
        RegistryStore.PutResult result = store.putManifest(name, reference, body, ex.header(HttpHeaderNames.CONTENT_TYPE));
        if (reference.indexOf(':') < 0) {
            infos.recordPush(name, Tag.parse(reference), user);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Location", ex.baseUrl() + "/v2/" + name + "/manifests/" + result.digest());
        headers.put("Docker-Content-Digest", result.digest().toString());
        result.subject().ifPresent(s -> headers.put("OCI-Subject", s.toString()));
        ex.send(201, headers, new byte[0], null);
    }

    private void deleteManifest(Exchange ex, RepositoryName name, String reference) {
        validateReference(reference);
        if (reference.indexOf(':') >= 0) {
            store.deleteManifest(name, digest(reference));
        } else {
            store.deleteTag(name, Tag.parse(reference));
        }
        ex.send(202, Map.of(), new byte[0], null);
    }

    private static void validateReference(String reference) {
        if (reference.indexOf(':') >= 0) {
            digest(reference);
        } else if (!Tag.isValid(reference)) {
            throw ErrorCode.MANIFEST_INVALID.error("invalid tag " + abbreviate(reference)
                    + ": a tag is 1 to 128 letters, digits, _ . or -, and does not start with . or -",
                    Map.of("reference", abbreviate(reference)));
        }
    }

    private void referrers(Exchange ex, RepositoryName name, Digest subject) {
        Optional<String> artifactType = ex.query("artifactType");
        List<Descriptor> found = store.referrers(name, subject, artifactType);
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        for (Descriptor d : found) {
            ObjectNode node = manifests.addObject();
            node.put("mediaType", d.mediaType());
            node.put("digest", d.digest().toString());
            node.put("size", d.size());
            d.artifactType().ifPresent(t -> node.put("artifactType", t));
            if (!d.annotations().isEmpty()) {
                ObjectNode a = node.putObject("annotations");
                d.annotations().forEach(a::put);
            }
        }
        ex.send(200, artifactType.isPresent() ? Map.of("OCI-Filters-Applied", "artifactType") : Map.of(),
                json(index), MediaTypes.OCI_INDEX);
    }

    // ---- blobs ---------------------------------------------------------------------------------

    private void getBlob(Exchange ex, RepositoryName name, Digest digest) {
        long size = store.linkedBlobSize(name, digest).orElseThrow(() -> ErrorCode.BLOB_UNKNOWN.error(
                "blob " + digest + " is not in repository " + name, Map.of("digest", digest.toString())));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Docker-Content-Digest", digest.toString());
        headers.put("ETag", "\"" + digest + "\"");
        headers.put("Accept-Ranges", "bytes");
        headers.put("Cache-Control", "max-age=31536000");
        long start = 0;
        long length = size;
        int status = 200;
        Optional<String> range = ex.header(HttpHeaderNames.RANGE);
        if (range.isPresent()) {
            Optional<long[]> r = parseRange(range.get(), size);
            if (r.isPresent()) {
                start = r.get()[0];
                length = r.get()[1] - start + 1;
                status = 206;
                headers.put("Content-Range", "bytes " + start + "-" + r.get()[1] + "/" + size);
            }
        }
        FileChannel file;
        try {
            file = store.openBlob(digest);
        } catch (java.nio.file.NoSuchFileException e) {
            throw ErrorCode.BLOB_UNKNOWN.error("blob " + digest + " is not in repository " + name,
                    Map.of("digest", digest.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ex.sendFile(status, headers, file, start, length, "application/octet-stream");
    }

    /**
     * A single byte range (RFC 9110 14.1.2), as {start, end} inclusive; empty means "send it all"
     * (another unit, or several ranges, which a server may ignore). Unsatisfiable or malformed: 416.
     */
    static Optional<long[]> parseRange(String header, long size) {
        String h = header.strip();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return Optional.empty();
        }
        String spec = h.substring(6).strip();
        if (spec.indexOf(',') >= 0) {
            return Optional.empty();
        }
        Matcher m = RANGE.matcher(spec);
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            throw rangeNotSatisfiable(header, size);
        }
        long start;
        long end;
        if (m.group(1).isEmpty()) {
            long suffix = Long.parseLong(m.group(2));
            if (suffix == 0 || size == 0) {
                throw rangeNotSatisfiable(header, size);
            }
            start = Math.max(0, size - suffix);
            end = size - 1;
        } else {
            start = Long.parseLong(m.group(1));
            end = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
            if (start >= size || (!m.group(2).isEmpty() && Long.parseLong(m.group(2)) < start)) {
                throw rangeNotSatisfiable(header, size);
            }
        }
        return Optional.of(new long[] {start, end});
    }

    private static RegistryException rangeNotSatisfiable(String header, long size) {
        return ErrorCode.RANGE_INVALID.error("range " + abbreviate(header)
                + " cannot be satisfied for a blob of " + size + " bytes").withHeader("Content-Range", "bytes */" + size);
    }

    // ---- uploads -------------------------------------------------------------------------------

    private void startUpload(Exchange ex, RepositoryName name) throws InterruptedException {
        Optional<String> mount = ex.query("mount");
        if (mount.isPresent()) {
            Digest digest = digest(mount.get());
            Optional<RepositoryName> from = ex.query("from").filter(RepositoryName::isValid).map(RepositoryName::parse);
            boolean mounted;
            if (from.isPresent()) {
                mounted = canPull(ex, from.get()) && store.mount(name, digest, from.get());
            } else {
                mounted = store.findBlob(digest, repo -> canPull(ex, repo))
                        .map(source -> store.mount(name, digest, source)).orElse(false);
            }
            if (mounted) {
                ex.send(201, Map.of("Location", ex.baseUrl() + "/v2/" + name + "/blobs/" + digest,
                        "Docker-Content-Digest", digest.toString()), new byte[0], null);
                return;
            }
            // Not mountable: fall through to a normal upload, as the spec says.
        }
        Optional<String> digestParam = ex.query("digest");
        if (digestParam.isPresent()) {
            Digest digest = digest(digestParam.get());
            Upload upload = store.startUpload(name);
            try (upload) {
                writeBody(ex, upload, Optional.empty());
                store.completeUpload(upload, digest);
            } catch (RuntimeException | InterruptedException e) {
                store.cancelUpload(upload);
                throw e;
            }
            ex.send(201, Map.of("Location", ex.baseUrl() + "/v2/" + name + "/blobs/" + digest,
                    "Docker-Content-Digest", digest.toString()), new byte[0], null);
            return;
        }
        Map<String, String> headers;
        try (Upload upload = store.startUpload(name)) {
            headers = uploadHeaders(ex, upload);
        }
        ex.send(202, headers, new byte[0], null);
    }

    private boolean canPull(Exchange ex, RepositoryName repository) {
        Decision d = auth.authorize(ex.header(HttpHeaderNames.AUTHORIZATION), ex.clientAddress(), pull(repository));
        return d instanceof Decision.Granted;
    }

    // Each upload handler releases the upload before answering: the client sends its next request at once.
    private void patchUpload(Exchange ex, RepositoryName name, String id) throws InterruptedException {
        Map<String, String> headers;
        try (Upload upload = store.openUpload(name, id)) {
            writeBody(ex, upload, ex.header(HttpHeaderNames.CONTENT_RANGE));
            headers = uploadHeaders(ex, upload);
        }
        ex.send(202, headers, new byte[0], null);
    }

    private void putUpload(Exchange ex, RepositoryName name, String id) throws InterruptedException {
        Digest digest;
        try (Upload upload = store.openUpload(name, id)) {
            digest = digest(ex.query("digest").orElseThrow(() -> ErrorCode.DIGEST_INVALID.error(
                    "the digest query parameter is required to finish an upload")));
            writeBody(ex, upload, ex.header(HttpHeaderNames.CONTENT_RANGE));
            store.completeUpload(upload, digest);
        }
        ex.send(201, Map.of("Location", ex.baseUrl() + "/v2/" + name + "/blobs/" + digest,
                "Docker-Content-Digest", digest.toString()), new byte[0], null);
    }

    /**
     * Appends the request body to the upload. With a Content-Range the chunk must start where the
     * upload ends (else 416) and be exactly as long as it says; a chunk that breaks that is taken back.
     */
    private void writeBody(Exchange ex, Upload upload, Optional<String> contentRange) throws InterruptedException {
        long start = upload.offset();
        long expected = -1;
        if (contentRange.isPresent()) {
            Matcher m = CONTENT_RANGE.matcher(contentRange.get().strip());
            if (!m.matches()) {
                throw ErrorCode.BLOB_UPLOAD_INVALID.error("invalid Content-Range " + abbreviate(contentRange.get())
                        + ": expected <start>-<end>").withStatus(416);
            }
            long from = Long.parseLong(m.group(1));
            long to = Long.parseLong(m.group(2));
            if (to < from) {
                throw ErrorCode.BLOB_UPLOAD_INVALID.error("invalid Content-Range " + abbreviate(contentRange.get())
                        + ": end before start").withStatus(416);
            }
            upload.expectOffset(from);
            expected = to - from + 1;
        }
        Optional<String> lengthHeader = ex.header(HttpHeaderNames.CONTENT_LENGTH);
        if (expected >= 0 && lengthHeader.isPresent() && !lengthHeader.get().equals(Long.toString(expected))) {
            throw ErrorCode.SIZE_INVALID.error("Content-Length " + abbreviate(lengthHeader.get())
                    + " does not match Content-Range " + abbreviate(contentRange.get()));
        }
        long written;
        try {
            written = ex.readBody(upload::write);
        } catch (RuntimeException | InterruptedException e) {
            upload.truncate(start);
            throw e;
        }
        if (expected >= 0 && written != expected) {
            upload.truncate(start);
            throw ErrorCode.SIZE_INVALID.error("chunk has " + written + " bytes but Content-Range says " + expected);
        }
    }

    private static Map<String, String> uploadHeaders(Exchange ex, Upload upload) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Location", ex.baseUrl() + "/v2/" + upload.repository() + "/blobs/uploads/" + upload.id());
        headers.put("Docker-Upload-UUID", upload.id());
        headers.put("Range", "0-" + Math.max(0, upload.offset() - 1));
        return headers;
    }

    // ---- errors and helpers ----------------------------------------------------------------------

    private static void allowed(Exchange ex, HttpMethod actual, HttpMethod... methods) {
        for (HttpMethod m : methods) {
            if (m.equals(actual)) {
                return;
            }
        }
        throw unsupported(actual);
    }

    private static RegistryException unsupported(HttpMethod m) {
        return ErrorCode.UNSUPPORTED.error("method " + m + " is not supported here");
    }

    private static RepositoryName name(String text) {
        try {
            return RepositoryName.parse(text);
        } catch (FormatException e) {
            throw ErrorCode.NAME_INVALID.error(e.getMessage(), Map.of("name", abbreviate(text)));
        }
    }

    private static Digest digest(String text) {
        try {
            return Digest.parse(text);
        } catch (FormatException e) {
            throw ErrorCode.DIGEST_INVALID.error(e.getMessage(), Map.of("digest", abbreviate(text)));
        }
    }

    private static void sendError(Exchange ex, RegistryException e, Map<String, String> extraHeaders) {
        Map<String, String> headers = new LinkedHashMap<>(extraHeaders);
        headers.putAll(e.headers());
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putArray("errors").addObject();
        error.put("code", e.code().name());
        error.put("message", e.getMessage());
        error.set("detail", JSON.valueToTree(e.detail().orElse(null)));
        ex.send(e.status(), headers, json(body), JSON_TYPE);
    }

    private static byte[] json(Object node) {
        try {
            byte[] bytes = JSON.writeValueAsBytes(node);
            byte[] withNewline = java.util.Arrays.copyOf(bytes, bytes.length + 1);
            withNewline[bytes.length] = '\n';
            return withNewline;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    private static String urlEncode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
