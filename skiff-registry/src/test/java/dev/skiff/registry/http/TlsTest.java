package dev.skiff.registry.http;

import dev.skiff.formats.Digest;
import dev.skiff.registry.Registry;
import dev.skiff.registry.RegistryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTPS with --tls-cert/--tls-key: blobs go out in chunks through TLS instead of sendfile. */
class TlsTest {
    @TempDir
    Path temp;

    @Test
    void servesTheApiOverHttpsWithTheGivenCertificate() throws Exception {
        Path cert = temp.resolve("cert.pem");
        Path key = temp.resolve("key.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes());
        assertThat(openssl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(openssl.exitValue()).as(output).isZero();

        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            trust.setCertificateEntry("registry", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1).build();

        try (Registry registry = Registry.start(new RegistryOptions(new InetSocketAddress("127.0.0.1", 0), temp.resolve("root"),
                Optional.empty(), Set.of(), true, Optional.of(new RegistryServer.Tls(cert, key)), Optional.empty(),
                Optional.empty(), Optional.empty()))) {
            String base = "https://127.0.0.1:" + registry.address().getPort();
            byte[] blob = new byte[3_000_000];
            new Random(1).nextBytes(blob);
            Digest d = Digest.sha256(blob);
            var push = https.send(HttpRequest.newBuilder(URI.create(base + "/v2/alice/app/blobs/uploads/?digest=" + d))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(push.statusCode()).as(push.body()).isEqualTo(201);
            assertThat(push.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).startsWith("https://"));
            var pull = https.send(HttpRequest.newBuilder(URI.create(base + "/v2/alice/app/blobs/" + d)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(pull.statusCode()).isEqualTo(200);
            assertThat(Digest.sha256(pull.body())).isEqualTo(d);
            var range = https.send(HttpRequest.newBuilder(URI.create(base + "/v2/alice/app/blobs/" + d)).header("Range", "bytes=10-19").build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(blob, 10, 20));
        }
    }
}
