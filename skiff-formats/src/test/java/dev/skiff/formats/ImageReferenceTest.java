package dev.skiff.formats;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Collections;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Cases mostly from distribution/reference's reference_test.go and normalize_test.go. */
class ImageReferenceTest {

    private static final String F64 = "f".repeat(64);
    private static final String SHA = "sha256:" + F64;
    private static final String SHA512 = "sha512:" + "e".repeat(128);
    private static final String HEX_ID = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a";

    /** input, domain, path, tag or null, digest or null, full form. */
    static Stream<Arguments> accepted() {
        return Stream.of(
                // familiar Docker Hub names
                arguments("busybox", "docker.io", "library/busybox", null, null, "docker.io/library/busybox"),
                arguments("busybox:1.36", "docker.io", "library/busybox", "1.36", null,
                        "docker.io/library/busybox:1.36"),
                arguments("alice/app", "docker.io", "alice/app", null, null, "docker.io/alice/app"),
                arguments("library/debian", "docker.io", "library/debian", null, null, "docker.io/library/debian"),
                arguments("docker.io/debian", "docker.io", "library/debian", null, null, "docker.io/library/debian"),
                arguments("docker.io/library/foo/bar", "docker.io", "library/foo/bar", null, null,
                        "docker.io/library/foo/bar"),
                arguments("index.docker.io/debian", "docker.io", "library/debian", null, null,
                        "docker.io/library/debian"),
                arguments("index.docker.io/docker/docker", "docker.io", "docker/docker", null, null,
                        "docker.io/docker/docker"),
                arguments("docker.io/" + HEX_ID, "docker.io", "library/" + HEX_ID, null, null,
                        "docker.io/library/" + HEX_ID),
                arguments(HEX_ID + ":tag", "docker.io", "library/" + HEX_ID, "tag", null,
                        "docker.io/library/" + HEX_ID + ":tag"),
                arguments("thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "docker.io",
                        "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", null, null,
                        "docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev"),
                // a single component is never a registry, however much it looks like one
                arguments("localhost", "docker.io", "library/localhost", null, null, "docker.io/library/localhost"),
                arguments("localhost:5000", "docker.io", "library/localhost", "5000", null,
                        "docker.io/library/localhost:5000"),
                arguments("test.com:5000", "docker.io", "library/test.com", "5000", null,
                        "docker.io/library/test.com:5000"),
                arguments("192.168.1.1", "docker.io", "library/192.168.1.1", null, null,
                        "docker.io/library/192.168.1.1"),
                arguments("foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", null,
                        "docker.io/library/foo_bar.com:8080"),
                arguments("test_com", "docker.io", "library/test_com", null, null, "docker.io/library/test_com"),
                // a first component without '.', ':' or upper case, other than localhost, is a namespace
                arguments("test_com/foo", "docker.io", "test_com/foo", null, null, "docker.io/test_com/foo"),
                arguments("foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080", null,
                        "docker.io/foo/foo_bar.com:8080"),
                // registries
                arguments("localhost/debian", "localhost", "debian", null, null, "localhost/debian"),
                arguments("localhost:5000/alice/app:1.0", "localhost:5000", "alice/app", "1.0", null,
                        "localhost:5000/alice/app:1.0"),
                arguments("test:5000/repo", "test:5000", "repo", null, null, "test:5000/repo"),
                arguments("test-com:8080/foo", "test-com:8080", "foo", null, null, "test-com:8080/foo"),
                arguments("test.com/repo:tag", "test.com", "repo", "tag", null, "test.com/repo:tag"),
                arguments("127.0.0.1:5000/x", "127.0.0.1:5000", "x", null, null, "127.0.0.1:5000/x"),
                arguments("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", null,
                        "192.168.1.1:5000/repo:5050"),
                arguments("192.168.1.1:750050/repo", "192.168.1.1:750050", "repo", null, null,
                        "192.168.1.1:750050/repo"),
                arguments("[::1]:5000/x", "[::1]:5000", "x", null, null, "[::1]:5000/x"),
                arguments("[2001:db8::1]/repo", "[2001:db8::1]", "repo", null, null, "[2001:db8::1]/repo"),
                arguments("[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", null,
                        "[2001:db8:1:2:3:4:5:6]/repo:tag"),
                arguments("[fc00::1]:5000/docker/docker", "[fc00::1]:5000", "docker/docker", null, null,
                        "[fc00::1]:5000/docker/docker"),
                arguments("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux",
                        "some-long-tag", null, "sub-dom1.foo.com/bar/baz/quux:some-long-tag"),
                arguments("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io",
                        "test.example.com/my-app", "test.example.com", null,
                        "b.gcr.io/test.example.com/my-app:test.example.com"),
                arguments("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", null, null, "xn--n3h.com:18080/foo"),
                arguments("gcr.io/library/busybox", "gcr.io", "library/busybox", null, null,
                        "gcr.io/library/busybox"),
                // upper case is allowed in a registry and in a tag, and makes a first component a registry
                arguments("Docker/docker", "Docker", "docker", null, null, "Docker/docker"),
                arguments("LOCALDOMAIN/library/debian", "LOCALDOMAIN", "library/debian", null, null,
                        "LOCALDOMAIN/library/debian"),
                arguments("Asdf.com/x", "Asdf.com", "x", null, null, "Asdf.com/x"),
                arguments("lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", null,
                        "docker.io/library/lowercase:Uppercase"),
                // separators: one '.', one or two '_', any number of '-'
                arguments("a_b__c---d/e.f-0", "docker.io", "a_b__c---d/e.f-0", null, null,
                        "docker.io/a_b__c---d/e.f-0"),
                arguments("dock__er/docker", "docker.io", "dock__er/docker", null, null, "docker.io/dock__er/docker"),
                arguments("d/docker", "docker.io", "d/docker", null, null, "docker.io/d/docker"),
                // tags
                arguments("x:_v1.0-rc.1", "docker.io", "library/x", "_v1.0-rc.1", null,
                        "docker.io/library/x:_v1.0-rc.1"),
                arguments("x:" + "t".repeat(128), "docker.io", "library/x", "t".repeat(128), null,
                        "docker.io/library/x:" + "t".repeat(128)),
                // digests, and a tag with a digest
                arguments("example.com/a/b@" + SHA, "example.com", "a/b", null, SHA, "example.com/a/b@" + SHA),
                arguments("busybox@" + SHA, "docker.io", "library/busybox", null, SHA,
                        "docker.io/library/busybox@" + SHA),
                arguments("busybox:latest@" + SHA, "docker.io", "library/busybox", "latest", SHA,
                        "docker.io/library/busybox:latest@" + SHA),
                arguments("test:5000/repo:tag@" + SHA, "test:5000", "repo", "tag", SHA, "test:5000/repo:tag@" + SHA),
                arguments("[2001:db8::1]:5000/repo:tag@" + SHA, "[2001:db8::1]:5000", "repo", "tag", SHA,
                        "[2001:db8::1]:5000/repo:tag@" + SHA),
                arguments("xn--7o8h.com/myimage:xn--7o8h.com@" + SHA, "xn--7o8h.com", "myimage", "xn--7o8h.com", SHA,
                        "xn--7o8h.com/myimage:xn--7o8h.com@" + SHA),
                arguments("validname@" + SHA512, "docker.io", "library/validname", null, SHA512,
                        "docker.io/library/validname@" + SHA512),
                // the 255-character limit is on the path ("library/" included), not the domain
                arguments("a/".repeat(127) + "a:tag-puts-this-over-max", "docker.io", "a/".repeat(127) + "a",
                        "tag-puts-this-over-max", null, "docker.io/" + "a/".repeat(127) + "a:tag-puts-this-over-max"),
                arguments("example.com/" + "a".repeat(255) + ":tag", "example.com", "a".repeat(255), "tag", null,
                        "example.com/" + "a".repeat(255) + ":tag"),
                arguments("b".repeat(247), "docker.io", "library/" + "b".repeat(247), null, null,
                        "docker.io/library/" + "b".repeat(247)));
    }

    @ParameterizedTest
    @MethodSource("accepted")
    void parsesAsDocker(String input, String domain, String path, String tag, String digest, String full) {
        ImageReference ref = ImageReference.parse(input);

        assertThat(ref.domain()).isEqualTo(domain);
        assertThat(ref.path()).isEqualTo(path);
        assertThat(ref.tag()).isEqualTo(Optional.ofNullable(tag).map(Tag::new));
        assertThat(ref.digest()).isEqualTo(Optional.ofNullable(digest).map(Digest::parse));
        assertThat(ref.toString()).isEqualTo(full);
        assertThat(ref.repository()).isEqualTo(domain + "/" + path);
        assertThat(ref.repositoryPath()).isEqualTo(new RepositoryName(path));
    }

    @ParameterizedTest
    @MethodSource("accepted")
    void fullAndFamiliarFormsParseBackToTheSameReference(String input) {
        ImageReference ref = ImageReference.parse(input);

        assertThat(ImageReference.parse(ref.toString())).isEqualTo(ref);
        if (!ref.familiarString().equals(HEX_ID)) { // see familiarNameOfAHexPathIsNotParseable
            assertThat(ImageReference.parse(ref.familiarString())).isEqualTo(ref);
        }
        assertThat(new ImageReference(ref.domain(), ref.path(), ref.tag(), ref.digest())).isEqualTo(ref);
    }

    /** input, a part of the message that names the problem. */
    static Stream<Arguments> refused() {
        return Stream.of(
                arguments("", "empty"),
                arguments(":justtag", "no repository name before the tag"),
                arguments("@" + SHA, "no repository name before the digest"),
                arguments(":", "no repository name before the tag"),
                arguments("busybox:", "gives no tag"),
                arguments("alice/app:", "gives no tag"),
                arguments("busybox@", "'@' is not followed by a digest"),
                arguments("busybox:tag@", "'@' is not followed by a digest"),
                arguments("busybox@@" + SHA, "invalid digest"),
                arguments("busybox@" + SHA + "@" + SHA, "invalid digest"),
                arguments("repo@sha256:" + "f".repeat(34), "64 lowercase hex"),
                arguments("repo@sha256:" + "F".repeat(64), "64 lowercase hex"),
                arguments("validname@invaliddigest:" + F64, "unsupported digest algorithm"),
                arguments("repo@sha384:" + "f".repeat(96), "unsupported digest algorithm"),
                arguments("x:-foo", "tag \"-foo\""),
                arguments("x:.foo", "tag \".foo\""),
                arguments("x:" + "t".repeat(129), "is not 1 to 128"),
                arguments("x:a+b", "tag \"a+b\""),
                arguments(HEX_ID, "cannot specify 64-byte hexadecimal strings"),
                // upper case in the path, wherever the domain is
                arguments("Uppercase:tag", "repository name must be lowercase"),
                arguments("docker/Docker", "repository name must be lowercase"),
                arguments("docker.io/docker/Docker", "repository name must be lowercase"),
                arguments("test:5000/Uppercase/lowercase:tag", "repository name must be lowercase"),
                arguments("localhost/Foo", "repository name must be lowercase"),
                // the path grammar
                arguments("-docker", "repository name \"library/-docker\""),
                arguments("-docker/docker", "repository name \"-docker/docker\""),
                arguments("docker-/docker", "repository name"),
                arguments("-docker-/docker", "repository name"),
                arguments("____/____", "repository name"),
                arguments("_docker/_docker", "repository name"),
                arguments("a___b", "repository name"),
                arguments("docker/dock..er", "repository name"),
                arguments("docker/dock_.er", "repository name"),
                arguments("docker/dock-.er", "repository name"),
                arguments("docker/.docker", "repository name"),
                arguments("docker/docker.", "repository name"),
                // with a '.' the first component is a registry, and these are not valid host names
                arguments("dock..er/docker", "registry \"dock..er\""),
                arguments("dock_.er/docker", "registry \"dock_.er\""),
                arguments("dock-.er/docker", "registry \"dock-.er\""),
                arguments("docker///docker", "repository name"),
                arguments("docker.io/docker///docker", "repository name"),
                arguments("docker/", "repository name"),
                arguments("example.com/", "repository name \"\""),
                arguments("aa/asdf$$^/aa", "repository name"),
                arguments("al ice/app", "repository name"),
                arguments("alice/app:tag:tag", "repository name \"alice/app:tag\""),
                // the registry grammar
                arguments("https://github.com/docker/docker", "registry \"https:\""),
                arguments("-docker.io/docker/docker", "registry \"-docker.io\""),
                arguments("docker-.io/x", "registry \"docker-.io\""),
                arguments("a..b/x", "registry \"a..b\""),
                arguments("test.com:http/x", "a port is ':' followed by digits"),
                arguments("test.com:/x", "a port is ':' followed by digits"),
                arguments("fc00::1:5000/debian", "registry \"fc00::1:5000\""),
                arguments("[fe80::1%eth0]:5000/debian", "IPv6"),
                arguments("[2001:db8:3:4::192.0.2.33]:5000/debian", "IPv6"),
                arguments("[fd00:1:2::3]75050/x", "a port is ':' followed by digits"),
                arguments("[fd00:1:2::3]::75050/x", "a port is ':' followed by digits"),
                arguments("[::1/x", "closing ']'"),
                arguments("[]:5000/x", "IPv6"),
                // Docker Hub would take foo_bar.com for a namespace if it were valid as a host; Docker keeps
                // such a name with an empty domain, which it cannot pull. We refuse it.
                arguments("foo_bar.com/x", "registry \"foo_bar.com\""),
                // a bracketed address alone is a Docker Hub name, and not a valid one
                arguments("[2001:db8::1]", "repository name"),
                arguments("[2001:db8::1]:5000", "repository name \"library/[2001:db8::1]\""),
                arguments("[2001:db8::1]:tag", "repository name"),
                // length: 255 characters of path, "library/" included
                arguments("domain/" + "a".repeat(256) + ":tag", "must not be more than 255 characters"),
                arguments("example.com/" + "a".repeat(256), "must not be more than 255 characters"),
                arguments("b".repeat(248), "must not be more than 255 characters"),
                arguments(String.join("_", Collections.nCopies(4,
                                "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255")) + "/docker",
                        "must not be more than 255 characters"));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void refusesWhatDockerRefuses(String input, String reason) {
        assertThatThrownBy(() -> ImageReference.parse(input))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void refusesNull() {
        assertThatThrownBy(() -> ImageReference.parse(null)).isInstanceOf(FormatException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void messagesQuoteTheInputAndKeepTheDigestCause() {
        assertThatThrownBy(() -> ImageReference.parse("alice/app@sha256:abc"))
                .isInstanceOf(FormatException.class)
                .hasMessageStartingWith("invalid reference format \"alice/app@sha256:abc\": ")
                .hasMessageContaining("64 lowercase hex characters")
                .hasCauseInstanceOf(InvalidDigestException.class);
        assertThatThrownBy(() -> ImageReference.parse("x/" + "y".repeat(300)))
                .hasMessageContaining("\"x/" + "y".repeat(98) + "...\"")
                .hasMessageNotContaining("y".repeat(101));
    }

    /** input, familiar name, familiar string. */
    static Stream<Arguments> familiar() {
        return Stream.of(
                arguments("docker.io/library/busybox", "busybox", "busybox"),
                arguments("busybox:latest", "busybox", "busybox:latest"),
                arguments("docker.io/alice/app:1", "alice/app", "alice/app:1"),
                arguments("index.docker.io/library/ubuntu-12.04-base", "ubuntu-12.04-base", "ubuntu-12.04-base"),
                arguments("library/foo/bar", "library/foo/bar", "library/foo/bar"),
                arguments("other/library", "other/library", "other/library"),
                arguments("docker.io/libraryx/foo", "libraryx/foo", "libraryx/foo"),
                arguments("localhost/fooo", "localhost/fooo", "localhost/fooo"),
                arguments("LOCALDOMAIN/fooo/bar", "LOCALDOMAIN/fooo/bar", "LOCALDOMAIN/fooo/bar"),
                arguments("127.0.0.1:8000/privatebase:x", "127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase:x"),
                arguments("example.com/library/busybox", "example.com/library/busybox", "example.com/library/busybox"),
                arguments("busybox:latest@" + SHA, "busybox", "busybox:latest@" + SHA),
                arguments("quay.io/x/y@" + SHA, "quay.io/x/y", "quay.io/x/y@" + SHA));
    }

    @ParameterizedTest
    @MethodSource("familiar")
    void familiarFormsDropDockerHubAndLibrary(String input, String familiarName, String familiarString) {
        ImageReference ref = ImageReference.parse(input);

        assertThat(ref.familiarName()).isEqualTo(familiarName);
        assertThat(ref.familiarString()).isEqualTo(familiarString);
    }

    @Test
    void familiarNameOfAHexPathIsNotParseable() {
        // As in Docker: the familiar form drops docker.io/library/, and what is left reads as an image ID.
        ImageReference ref = ImageReference.parse("docker.io/library/" + HEX_ID);
        assertThat(ref.familiarName()).isEqualTo(HEX_ID);
        assertThatThrownBy(() -> ImageReference.parse(ref.familiarName())).isInstanceOf(FormatException.class);
    }

    @Test
    void defaultTagIsLatestOnlyWithoutTagOrDigest() {
        assertThat(ImageReference.parse("busybox").withDefaultTag().toString())
                .isEqualTo("docker.io/library/busybox:latest");
        assertThat(ImageReference.parse("gcr.io/library/busybox").withDefaultTag().toString())
                .isEqualTo("gcr.io/library/busybox:latest");
        assertThat(ImageReference.parse("busybox:1").withDefaultTag().toString())
                .isEqualTo("docker.io/library/busybox:1");
        assertThat(ImageReference.parse("busybox@" + SHA).withDefaultTag().toString())
                .isEqualTo("docker.io/library/busybox@" + SHA);
        assertThat(ImageReference.parse("busybox:1@" + SHA).withDefaultTag().toString())
                .isEqualTo("docker.io/library/busybox:1@" + SHA);
    }

    @Test
    void dockerHubIsServedByRegistry1() {
        assertThat(ImageReference.parse("busybox").registryHost()).isEqualTo("registry-1.docker.io");
        assertThat(ImageReference.parse("index.docker.io/alice/app").registryHost()).isEqualTo("registry-1.docker.io");
        assertThat(ImageReference.parse("localhost:5000/a").registryHost()).isEqualTo("localhost:5000");
        assertThat(ImageReference.parse("[::1]:5000/a").registryHost()).isEqualTo("[::1]:5000");
        assertThat(ImageReference.parse("Example.COM/a").registryHost()).isEqualTo("Example.COM");
    }

    @Test
    void repositoryPathIsWhatTheApiNames() {
        assertThat(ImageReference.parse("busybox:1").repositoryPath().value()).isEqualTo("library/busybox");
        assertThat(ImageReference.parse("localhost:5000/alice/app@" + SHA).repositoryPath().value())
                .isEqualTo("alice/app");
    }

    @Test
    void constructorAcceptsOnlyNormalizedReferences() {
        Optional<Tag> none = Optional.empty();
        Optional<Digest> noDigest = Optional.empty();

        assertThat(new ImageReference("docker.io", "library/busybox", Optional.of(Tag.LATEST), noDigest))
                .isEqualTo(ImageReference.parse("busybox:latest"));
        assertThatThrownBy(() -> new ImageReference("docker.io", "busybox", none, noDigest))
                .isInstanceOf(FormatException.class).hasMessageContaining("library/busybox");
        assertThatThrownBy(() -> new ImageReference("index.docker.io", "library/busybox", none, noDigest))
                .isInstanceOf(FormatException.class).hasMessageContaining("use docker.io");
        assertThatThrownBy(() -> new ImageReference("alice", "app", none, noDigest))
                .isInstanceOf(FormatException.class).hasMessageContaining("would be read as a Docker Hub namespace");
        assertThatThrownBy(() -> new ImageReference("foo_bar.com", "app", none, noDigest))
                .isInstanceOf(FormatException.class).hasMessageContaining("invalid registry");
        assertThatThrownBy(() -> new ImageReference("example.com", "Alice/app", none, noDigest))
                .isInstanceOf(FormatException.class).hasMessageContaining("invalid repository path");
        assertThatThrownBy(() -> new ImageReference("example.com", "a".repeat(256), none, noDigest))
                .isInstanceOf(FormatException.class).hasMessageContaining("255");
        assertThatThrownBy(() -> new ImageReference(null, "app", none, noDigest))
                .isInstanceOf(FormatException.class);
        assertThatThrownBy(() -> new ImageReference("example.com", null, none, noDigest))
                .isInstanceOf(FormatException.class);
        assertThatThrownBy(() -> new ImageReference("example.com", "app", null, noDigest))
                .isInstanceOf(FormatException.class);
        assertThatThrownBy(() -> new ImageReference("example.com", "app", none, null))
                .isInstanceOf(FormatException.class);
    }
}
