package dev.skiff.registry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.formats.Digest;
import dev.skiff.registry.Registry;
import dev.skiff.registry.RegistryOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The distribution API over real HTTP on loopback, without accounts (see AuthFlowTest for those). */
class RegistryApiTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;
    Path root;
    Registry registry;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String base;

    @BeforeEach
    void start() throws Exception {
        // Two levels below the temp dir, so a path that escaped the root by ../.. would still be seen.
        root = temp.resolve("a/b/root");
        registry = Registry.start(new RegistryOptions(new InetSocketAddress("127.0.0.1", 0), root, Optional.empty(),
                Set.of(), true, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
        base = "http://127.0.0.1:" + registry.address().getPort();
        stopped = false;
    }

    boolean stopped;

    @AfterEach
    void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        registry.close();
    }

    HttpResponse<byte[]> send(String method, String path, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    static String errorCode(HttpResponse<byte[]> r) throws IOException {
        return JSON.readTree(r.body()).path("errors").path(0).path("code").asText();
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    Digest pushBlob(String repo, byte[] content) throws Exception {
        Digest d = Digest.sha256(content);
        var r = send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + d, content);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
        return d;
    }

    String manifestFor(Digest config, long configSize, Digest layer, long layerSize) {
        return """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},
                 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}]}"""
                .formatted(config, configSize, layer, layerSize);
    }

    @Test
    void versionCheckAnswersWithTheApiVersionHeader() throws Exception {
        var r = send("GET", "/v2/", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Docker-Distribution-Api-Version")).contains("registry/2.0");
    }

    @Test
    void monolithicUploadThenHeadAndGet() throws Exception {
        byte[] content = random(300_000, 1);
        Digest d = pushBlob("alice/app", content);
        var head = send("HEAD", "/v2/alice/app/blobs/" + d, null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Length")).contains("300000");
        assertThat(head.headers().firstValue("Docker-Content-Digest")).contains(d.toString());
        var get = send("GET", "/v2/alice/app/blobs/" + d, null);
        assertThat(get.body()).isEqualTo(content);
        assertThat(root.resolve("docker/registry/v2/blobs/sha256/" + d.encoded().substring(0, 2) + "/" + d.encoded() + "/data"))
                .hasBinaryContent(content);
        assertThat(root.resolve("docker/registry/v2/repositories/alice/app/_layers/sha256/" + d.encoded() + "/link"))
                .hasContent(d.toString());
    }

    @Test
    void chunkedUploadInOrderWithStatusAndOutOfOrderChunkRefused() throws Exception {
        byte[] content = random(100_000, 2);
        var post = send("POST", "/v2/alice/app/blobs/uploads/", null);
        assertThat(post.statusCode()).isEqualTo(202);
        assertThat(post.headers().firstValue("Range")).contains("0-0");
        String location = post.headers().firstValue("Location").orElseThrow();
        String uuid = post.headers().firstValue("Docker-Upload-UUID").orElseThrow();
        assertThat(location).endsWith("/v2/alice/app/blobs/uploads/" + uuid);

        var first = send("PATCH", location, java.util.Arrays.copyOfRange(content, 0, 40_000),
                "Content-Range", "0-39999", "Content-Type", "application/octet-stream");
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(first.headers().firstValue("Range")).contains("0-39999");

        var outOfOrder = send("PATCH", location, java.util.Arrays.copyOfRange(content, 50_000, 60_000),
                "Content-Range", "50000-59999");
        assertThat(outOfOrder.statusCode()).isEqualTo(416);
        assertThat(errorCode(outOfOrder)).isEqualTo("BLOB_UPLOAD_INVALID");

        var status = send("GET", location, null);
        assertThat(status.statusCode()).isEqualTo(204);
        assertThat(status.headers().firstValue("Range")).contains("0-39999");

        var rest = send("PUT", location + "?digest=" + Digest.sha256(content),
                java.util.Arrays.copyOfRange(content, 40_000, 100_000), "Content-Range", "40000-99999");
        assertThat(rest.statusCode()).as(text(rest)).isEqualTo(201);
        assertThat(send("GET", "/v2/alice/app/blobs/" + Digest.sha256(content), null).body()).isEqualTo(content);
        assertThat(send("GET", location, null).statusCode()).isEqualTo(404);
    }

    @Test
    void streamedPatchWithoutContentRangeAndSha512Digest() throws Exception {
        byte[] content = random(70_000, 3);
        String location = send("POST", "/v2/alice/app/blobs/uploads/", null).headers().firstValue("Location").orElseThrow();
        assertThat(send("PATCH", location, content).statusCode()).isEqualTo(202);
        Digest sha512 = Digest.compute(Digest.Algorithm.SHA512, content);
        var put = send("PUT", location + "?digest=" + sha512, null);
        assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
        assertThat(send("GET", "/v2/alice/app/blobs/" + sha512, null).body()).isEqualTo(content);
    }

    @Test
    void anUploadSurvivesARestartOfTheRegistry() throws Exception {
        byte[] content = random(50_000, 8);
        String location = send("POST", "/v2/alice/app/blobs/uploads/", null).headers().firstValue("Location").orElseThrow();
        String path = URI.create(location).getPath();
        assertThat(send("PATCH", location, java.util.Arrays.copyOf(content, 20_000), "Content-Range", "0-19999").statusCode()).isEqualTo(202);
        stop();
        start();
        var status = send("GET", path, null);
        assertThat(status.statusCode()).isEqualTo(204);
        assertThat(status.headers().firstValue("Range")).contains("0-19999");
        var put = send("PUT", path + "?digest=" + Digest.sha256(content), java.util.Arrays.copyOfRange(content, 20_000, 50_000),
                "Content-Range", "20000-49999");
        assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
        assertThat(send("GET", "/v2/alice/app/blobs/" + Digest.sha256(content), null).body()).isEqualTo(content);
    }

    @Test
    void aChunkShorterThanItsContentRangeIsTakenBack() throws Exception {
        String location = send("POST", "/v2/alice/app/blobs/uploads/", null).headers().firstValue("Location").orElseThrow();
        var r = send("PATCH", location, new byte[10], "Content-Range", "0-19");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(errorCode(r)).isEqualTo("SIZE_INVALID");
        assertThat(send("GET", location, null).headers().firstValue("Range")).contains("0-0");
        byte[] content = random(20, 9);
        assertThat(send("PUT", location + "?digest=" + Digest.sha256(content), content, "Content-Range", "0-19").statusCode())
                .isEqualTo(201);
    }

    @Test
    void cancelledUploadIsGone() throws Exception {
        String location = send("POST", "/v2/alice/app/blobs/uploads/", null).headers().firstValue("Location").orElseThrow();
        assertThat(send("DELETE", location, null).statusCode()).isEqualTo(204);
        var again = send("PATCH", location, new byte[] {1});
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(errorCode(again)).isEqualTo("BLOB_UPLOAD_UNKNOWN");
        assertThat(errorCode(send("GET", "/v2/alice/app/blobs/uploads/not-a-uuid", null))).isEqualTo("BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void wrongDigestIsRefusedAndNothingIsStored() throws Exception {
        byte[] content = random(1000, 4);
        Digest other = Digest.sha256(new byte[] {9});
        var r = send("POST", "/v2/alice/app/blobs/uploads/?digest=" + other, content);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(errorCode(r)).isEqualTo("DIGEST_INVALID");
        assertThat(send("HEAD", "/v2/alice/app/blobs/" + other, null).statusCode()).isEqualTo(404);
        try (Stream<Path> files = Files.walk(root.resolve("docker/registry/v2"))) {
            assertThat(files.filter(Files::isRegularFile).map(Path::toString))
                    .noneMatch(p -> p.contains("/blobs/") || p.contains("/_uploads/"));
        }
        assertThat(errorCode(send("PUT", "/v2/alice/app/blobs/uploads/"
                + send("POST", "/v2/alice/app/blobs/uploads/", null).headers().firstValue("Docker-Upload-UUID").orElseThrow()
                + "?digest=sha256:xyz", null))).isEqualTo("DIGEST_INVALID");
    }

    @Test
    void rangeRequests() throws Exception {
        byte[] content = random(1000, 5);
        Digest d = pushBlob("alice/app", content);
        var part = send("GET", "/v2/alice/app/blobs/" + d, null, "Range", "bytes=100-199");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.headers().firstValue("Content-Range")).contains("bytes 100-199/1000");
        assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(content, 100, 200));
        var suffix = send("GET", "/v2/alice/app/blobs/" + d, null, "Range", "bytes=-10");
        assertThat(suffix.body()).isEqualTo(java.util.Arrays.copyOfRange(content, 990, 1000));
        var open = send("GET", "/v2/alice/app/blobs/" + d, null, "Range", "bytes=995-");
        assertThat(open.body()).hasSize(5);
        for (String bad : new String[] {"bytes=2000-", "bytes=5-1", "bytes=abc", "bytes=-0", "bytes=99999999999999999999-"}) {
            var r = send("GET", "/v2/alice/app/blobs/" + d, null, "Range", bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(416);
            assertThat(r.headers().firstValue("Content-Range")).as(bad).contains("bytes */1000");
        }
    }

    @Test
    void manifestNeedsItsBlobsThenIsServedByTagAndDigest() throws Exception {
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = random(5000, 6);
        Digest c = Digest.sha256(config);
        Digest l = Digest.sha256(layer);
        byte[] manifest = manifestFor(c, config.length, l, layer.length).getBytes(StandardCharsets.UTF_8);
        String type = "application/vnd.oci.image.manifest.v1+json";

        var missing = send("PUT", "/v2/alice/app/manifests/v1", manifest, "Content-Type", type);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(errorCode(missing)).isEqualTo("MANIFEST_BLOB_UNKNOWN");

        pushBlob("alice/app", config);
        pushBlob("alice/app", layer);
        var put = send("PUT", "/v2/alice/app/manifests/v1", manifest, "Content-Type", type);
        assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
        Digest md = Digest.sha256(manifest);
        assertThat(put.headers().firstValue("Docker-Content-Digest")).contains(md.toString());

        for (String ref : new String[] {"v1", md.toString()}) {
            var get = send("GET", "/v2/alice/app/manifests/" + ref, null, "Accept", type);
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(get.body()).isEqualTo(manifest);
            assertThat(get.headers().firstValue("Content-Type")).contains(type);
            assertThat(get.headers().firstValue("Docker-Content-Digest")).contains(md.toString());
            var head = send("HEAD", "/v2/alice/app/manifests/" + ref, null);
            assertThat(head.headers().firstValue("Content-Length")).contains(Integer.toString(manifest.length));
        }
        assertThat(root.resolve("docker/registry/v2/repositories/alice/app/_manifests/tags/v1/current/link")).hasContent(md.toString());

        // the same blobs are not visible from another repository
        var elsewhere = send("PUT", "/v2/bob/app/manifests/v1", manifest, "Content-Type", type);
        assertThat(errorCode(elsewhere)).isEqualTo("MANIFEST_BLOB_UNKNOWN");
    }

    @Test
    void badManifestsGetTheirErrorCodes() throws Exception {
        var invalid = send("PUT", "/v2/alice/app/manifests/v1", "{nope".getBytes(), "Content-Type",
                "application/vnd.oci.image.manifest.v1+json");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(errorCode(invalid)).isEqualTo("MANIFEST_INVALID");
        byte[] index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}".getBytes();
        var wrongDigest = send("PUT", "/v2/alice/app/manifests/" + Digest.sha256(new byte[] {1}), index,
                "Content-Type", "application/vnd.oci.image.index.v1+json");
        assertThat(errorCode(wrongDigest)).isEqualTo("DIGEST_INVALID");
        var tooBig = send("PUT", "/v2/alice/app/manifests/v1", new byte[5 << 20], "Content-Type",
                "application/vnd.oci.image.manifest.v1+json");
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(errorCode(tooBig)).isEqualTo("SIZE_INVALID");
        var missingChild = send("PUT", "/v2/alice/app/manifests/multi", ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                + "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"size\":3,\"digest\":\""
                + Digest.sha256(new byte[] {7}) + "\"}]}").getBytes(), "Content-Type", "application/vnd.oci.image.index.v1+json");
        assertThat(errorCode(missingChild)).isEqualTo("MANIFEST_BLOB_UNKNOWN");
        var byDigest = send("PUT", "/v2/alice/app/manifests/" + Digest.sha256(index), index,
                "Content-Type", "application/vnd.oci.image.index.v1+json");
        assertThat(byDigest.statusCode()).isEqualTo(201);
        assertThat(errorCode(send("GET", "/v2/alice/app/manifests/nope", null))).isEqualTo("MANIFEST_UNKNOWN");
        assertThat(errorCode(send("GET", "/v2/alice/app/manifests/" + Digest.sha256(new byte[] {2}), null))).isEqualTo("MANIFEST_UNKNOWN");
    }

    @Test
    void tagsAreSortedAndPaginatedWithLinkHeader() throws Exception {
        byte[] index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}".getBytes();
        for (String tag : new String[] {"b", "a", "d", "c"}) {
            assertThat(send("PUT", "/v2/alice/app/manifests/" + tag, index, "Content-Type",
                    "application/vnd.oci.image.index.v1+json").statusCode()).isEqualTo(201);
        }
        JsonNode all = JSON.readTree(send("GET", "/v2/alice/app/tags/list", null).body());
        assertThat(all.get("name").asText()).isEqualTo("alice/app");
        assertThat(all.get("tags").toString()).isEqualTo("[\"a\",\"b\",\"c\",\"d\"]");
        var page = send("GET", "/v2/alice/app/tags/list?n=2", null);
        assertThat(JSON.readTree(page.body()).get("tags").toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(page.headers().firstValue("Link")).contains("</v2/alice/app/tags/list?last=b&n=2>; rel=\"next\"");
        var next = send("GET", "/v2/alice/app/tags/list?n=2&last=b", null);
        assertThat(JSON.readTree(next.body()).get("tags").toString()).isEqualTo("[\"c\",\"d\"]");
        assertThat(next.headers().firstValue("Link")).isEmpty();
        assertThat(errorCode(send("GET", "/v2/alice/app/tags/list?n=-1", null))).isEqualTo("PAGINATION_NUMBER_INVALID");
        var unknown = send("GET", "/v2/alice/nothing/tags/list", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(errorCode(unknown)).isEqualTo("NAME_UNKNOWN");

        pushBlob("bob/x", new byte[] {1});
        JsonNode catalog = JSON.readTree(send("GET", "/v2/_catalog", null).body());
        assertThat(catalog.get("repositories").toString()).isEqualTo("[\"alice/app\",\"bob/x\"]");
        var catalogPage = send("GET", "/v2/_catalog?n=1", null);
        assertThat(catalogPage.headers().firstValue("Link")).contains("</v2/_catalog?last=alice%2Fapp&n=1>; rel=\"next\"");
    }

    @Test
    void deletesOfTagsManifestsAndBlobs() throws Exception {
        byte[] index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}".getBytes();
        Digest md = Digest.sha256(index);
        send("PUT", "/v2/alice/app/manifests/one", index, "Content-Type", "application/vnd.oci.image.index.v1+json");
        send("PUT", "/v2/alice/app/manifests/two", index, "Content-Type", "application/vnd.oci.image.index.v1+json");
        assertThat(send("DELETE", "/v2/alice/app/manifests/one", null).statusCode()).isEqualTo(202);
        assertThat(errorCode(send("GET", "/v2/alice/app/manifests/one", null))).isEqualTo("MANIFEST_UNKNOWN");
        assertThat(send("GET", "/v2/alice/app/manifests/two", null).statusCode()).isEqualTo(200);
        assertThat(send("DELETE", "/v2/alice/app/manifests/" + md, null).statusCode()).isEqualTo(202);
        assertThat(errorCode(send("GET", "/v2/alice/app/manifests/two", null))).isEqualTo("MANIFEST_UNKNOWN");
        assertThat(errorCode(send("DELETE", "/v2/alice/app/manifests/" + md, null))).isEqualTo("MANIFEST_UNKNOWN");

        Digest blob = pushBlob("alice/app", new byte[] {5, 6});
        assertThat(send("DELETE", "/v2/alice/app/blobs/" + blob, null).statusCode()).isEqualTo(202);
        var gone = send("GET", "/v2/alice/app/blobs/" + blob, null);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(errorCode(gone)).isEqualTo("BLOB_UNKNOWN");
    }

    @Test
    void crossRepositoryMountWithFromAndByDiscovery() throws Exception {
        byte[] content = random(2000, 7);
        Digest d = pushBlob("alice/base", content);
        var mount = send("POST", "/v2/alice/app/blobs/uploads/?mount=" + d + "&from=alice/base", null);
        assertThat(mount.statusCode()).isEqualTo(201);
        assertThat(mount.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/v2/alice/app/blobs/" + d));
        assertThat(send("GET", "/v2/alice/app/blobs/" + d, null).body()).isEqualTo(content);
        var discovered = send("POST", "/v2/bob/app/blobs/uploads/?mount=" + d, null);
        assertThat(discovered.statusCode()).isEqualTo(201);
        var unknown = send("POST", "/v2/bob/app/blobs/uploads/?mount=" + Digest.sha256(new byte[] {1, 1}) + "&from=alice/base", null);
        assertThat(unknown.statusCode()).isEqualTo(202);
        assertThat(unknown.headers().firstValue("Docker-Upload-UUID")).isPresent();
    }

    @Test
    void referrersAreListedAndFilteredByArtifactType() throws Exception {
        byte[] index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}".getBytes();
        Digest subject = Digest.sha256(index);
        send("PUT", "/v2/alice/app/manifests/v1", index, "Content-Type", "application/vnd.oci.image.index.v1+json");
        byte[] empty = "{}".getBytes();
        Digest emptyDigest = pushBlob("alice/app", empty);
        String sig = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.example.sig",
                 "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"%s","size":2},"layers":[],
                 "subject":{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"%s","size":%d},
                 "annotations":{"org.example.signer":"alice"}}""".formatted(emptyDigest, subject, index.length);
        var put = send("PUT", "/v2/alice/app/manifests/" + Digest.sha256(sig.getBytes()), sig.getBytes(),
                "Content-Type", "application/vnd.oci.image.manifest.v1+json");
        assertThat(put.statusCode()).as(text(put)).isEqualTo(201);
        assertThat(put.headers().firstValue("OCI-Subject")).contains(subject.toString());

        var list = send("GET", "/v2/alice/app/referrers/" + subject, null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.headers().firstValue("Content-Type")).contains("application/vnd.oci.image.index.v1+json");
        JsonNode manifests = JSON.readTree(list.body()).get("manifests");
        assertThat(manifests).hasSize(1);
        assertThat(manifests.get(0).get("artifactType").asText()).isEqualTo("application/vnd.example.sig");
        assertThat(manifests.get(0).get("annotations").get("org.example.signer").asText()).isEqualTo("alice");
        var filtered = send("GET", "/v2/alice/app/referrers/" + subject + "?artifactType=application/other", null);
        assertThat(JSON.readTree(filtered.body()).get("manifests")).isEmpty();
        assertThat(filtered.headers().firstValue("OCI-Filters-Applied")).contains("artifactType");
        assertThat(JSON.readTree(send("GET", "/v2/alice/app/referrers/" + Digest.sha256(new byte[] {3}), null).body())
                .get("manifests")).isEmpty();
    }

    @Test
    void hostileNamesAndPathsAreRefusedAndNothingIsWrittenOutsideTheRoot() throws Exception {
        assertThat(errorCode(send("GET", "/v2/Alice/app/tags/list", null))).isEqualTo("NAME_INVALID");
        assertThat(errorCode(send("GET", "/v2/alice/app/blobs/sha256:..", null))).isEqualTo("DIGEST_INVALID");
        assertThat(errorCode(send("GET", "/v2/alice/app/blobs/sha256:" + "a".repeat(63) + "G", null))).isEqualTo("DIGEST_INVALID");
        assertThat(send("GET", "/v2/" + "a/".repeat(200) + "b/tags/list", null).statusCode()).isEqualTo(400);
        for (String path : new String[] {"/v2/../../etc/blobs/uploads/", "/v2/%2e%2e/%2e%2e/tmp/blobs/uploads/",
                "/v2/alice/..%2f..%2f..%2ftmp/blobs/uploads/", "/v2//abs/blobs/uploads/"}) {
            String response = raw("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            assertThat(response).as(path).startsWith("HTTP/1.1 400").contains("NAME_INVALID");
        }
        try (Stream<Path> files = Files.walk(temp)) {
            assertThat(files.filter(p -> !root.startsWith(p))).allMatch(p -> p.startsWith(root));
        }
        var post = send("POST", "/v2/alice/app/tags/list", null);
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(errorCode(post)).isEqualTo("UNSUPPORTED");
    }

    @Test
    void aTlsHelloOnThePlainPortGetsA400AndTheConnectionCloses() throws Exception {
        try (Socket s = new Socket("127.0.0.1", registry.address().getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xf1, 0x01, 0x00, 0x00, (byte) 0xed, 0x03, 0x03});
            out.write(new byte[200]);
            out.flush();
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(response).startsWith("HTTP/1.1 400");
        }
        assertThat(send("GET", "/v2/", null).statusCode()).isEqualTo(200);
    }

    @Test
    void keepsConnectionsAliveAcrossRequests() throws Exception {
        try (Socket s = new Socket("127.0.0.1", registry.address().getPort())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < 3; i++) {
                out.write("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                String head = readHead(in);
                assertThat(head).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("connection: close");
                var length = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
                assertThat(length.find()).isTrue();
                assertThat(new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.UTF_8)).isEqualTo("{}");
            }
        }
    }

    static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", registry.address().getPort())) {
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
