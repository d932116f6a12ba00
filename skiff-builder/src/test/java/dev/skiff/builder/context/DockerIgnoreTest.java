package dev.skiff.builder.context;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * .dockerignore reading and matching. The tables are moby/patternmatcher's own test cases
 * (patternmatcher_test.go: TestMatches, its multi-pattern cases and TestMatch; ignorefile_test.go),
 * with the results those tests expect.
 */
class DockerIgnoreTest {

    private static DockerIgnore of(String... lines) {
        return DockerIgnore.parse(String.join("\n", lines));
    }

    @Test
    void readsCommentsBlanksExceptionsAndCleansPaths() {
        // ignorefile_test.go's content, plus ./ and trailing-slash forms.
        String content = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n"
                + "./dot/slash\ndir/\na//b/../c\n  # not a comment once trimmed\n\uFEFFbom-only-on-line-1";

        assertThat(DockerIgnore.read(content)).extracting(DockerIgnore.Entry::pattern).containsExactly(
                "test1", "test2", "a/file/here", "lastfile", "!inverted/abs/path", "dot/slash", "dir", "a/c",
                "# not a comment once trimmed", "\uFEFFbom-only-on-line-1");
        assertThat(DockerIgnore.read(content)).extracting(DockerIgnore.Entry::line)
                .containsExactly(1, 2, 3, 5, 7, 8, 9, 10, 11, 12);
        assertThat(DockerIgnore.read("\uFEFF# comment\r\n*.o\r\n")).extracting(DockerIgnore.Entry::pattern)
                .containsExactly("*.o");
    }

    @ParameterizedTest(name = "{0} ~ {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "**                | file               | true",
            "**                | file/              | true",
            "**/               | file               | true",
            "**/               | file/              | true",
            "**                | dir/file           | true",
            "**/               | dir/file           | true",
            "**                | dir/file/          | true",
            "**/               | dir/file/          | true",
            "**/**             | dir/file           | true",
            "**/**             | dir/file/          | true",
            "dir/**            | dir/file           | true",
            "dir/**            | dir/file/          | true",
            "dir/**            | dir/dir2/file      | true",
            "dir/**            | dir/dir2/file/     | true",
            "**/dir            | dir                | true",
            "**/dir            | dir/file           | true",
            "**/dir2/*         | dir/dir2/file      | true",
            "**/dir2/*         | dir/dir2/file/     | true",
            "**/dir2/**        | dir/dir2/dir3/file | true",
            "**/dir2/**        | dir/dir2/dir3/file/ | true",
            "**file            | file               | true",
            "**file            | dir/file           | true",
            "**/file           | dir/file           | true",
            "**file            | dir/dir/file       | true",
            "**/file           | dir/dir/file       | true",
            "**/file*          | dir/dir/file       | true",
            "**/file*          | dir/dir/file.txt   | true",
            "**/file*txt       | dir/dir/file.txt   | true",
            "**/file*.txt      | dir/dir/file.txt   | true",
            "**/file*.txt*     | dir/dir/file.txt   | true",
            "**/**/*.txt       | dir/dir/file.txt   | true",
            "**/**/*.txt2      | dir/dir/file.txt   | false",
            "**/*.txt          | file.txt           | true",
            "**/**/*.txt       | file.txt           | true",
            "a**/*.txt         | a/file.txt         | true",
            "a**/*.txt         | a/dir/file.txt     | true",
            "a**/*.txt         | a/dir/dir/file.txt | true",
            "a/*.txt           | a/dir/file.txt     | false",
            "a/*.txt           | a/file.txt         | true",
            "a/*.txt**         | a/file.txt         | true",
            "a[b-d]e           | ae                 | false",
            "a[b-d]e           | ace                | true",
            "a[b-d]e           | aae                | false",
            "a[^b-d]e          | aze                | true",
            ".*                | .foo               | true",
            ".*                | foo                | false",
            "abc.def           | abcdef             | false",
            "abc.def           | abc.def            | true",
            "abc.def           | abcZdef            | false",
            "abc?def           | abcZdef            | true",
            "abc?def           | abcdef             | false",
            "a\\\\             | a\\                | true",
            "**/foo/bar        | foo/bar            | true",
            "**/foo/bar        | dir/foo/bar        | true",
            "**/foo/bar        | dir/dir2/foo/bar   | true",
            "abc/**            | abc                | false",
            "abc/**            | abc/def            | true",
            "abc/**            | abc/def/ghi        | true",
            "**/.foo           | .foo               | true",
            "**/.foo           | bar.foo            | false",
            "a(b)c/def         | a(b)c/def          | true",
            "a(b)c/def         | a(b)c/xyz          | false",
            "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl | dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl | true",
            "dist/*.whl        | dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl | true",
            "a\\*b             | a*b                | true",
    })
    void patternmatcherTestMatches(String pattern, String path, boolean excluded) {
        // Patterns go through ignorefile's cleaning first, as a .dockerignore line does.
        assertThat(of(pattern).excludes(path)).isEqualTo(excluded);
    }

    @Test
    void regexCharactersAreLiteral() {
        assertThat(of("a.|)$(}+{bc").excludes("a.|)$(}+{bc")).isTrue();
        assertThat(of("a.|)$(}+{bc").excludes("aX|)$(}+{bc")).isFalse();
        assertThat(of("a^b*").excludes("a^bc")).isTrue();
    }

    @Test
    void theContextRootIsNeverExcluded() {
        // patternmatcher's TestMatches also asks ** about "/", which a context path never is: here
        // paths are cleaned and made relative first (as patternmatcher.Matches cleans), so "/" is the root.
        assertThat(of("**").excludes("/")).isFalse();
        assertThat(of("**").excludes(".")).isFalse();
        assertThat(of("**").excludes("x")).isTrue();
    }

    @ParameterizedTest(name = "{0} ~ {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "abc               | abc                | true",
            "*                 | abc                | true",
            "*c                | abc                | true",
            "a*                | a                  | true",
            "a*                | abc                | true",
            "a*                | ab/c               | true",
            "a*/b              | abc/b              | true",
            "a*/b              | a/c/b              | false",
            "a*b*c*d*e*/f      | axbxcxdxe/f        | true",
            "a*b*c*d*e*/f      | axbxcxdxexxx/f     | true",
            "a*b*c*d*e*/f      | axbxcxdxe/xxx/f    | false",
            "a*b*c*d*e*/f      | axbxcxdxexxx/fff   | false",
            "a*b?c*x           | abxbbxdbxebxczzx   | true",
            "a*b?c*x           | abxbbxdbxebxczzy   | false",
            "ab[c]             | abc                | true",
            "ab[b-d]           | abc                | true",
            "ab[e-g]           | abc                | false",
            "ab[^c]            | abc                | false",
            "ab[^b-d]          | abc                | false",
            "ab[^e-g]          | abc                | true",
            "a\\*b             | a*b                | true",
            "a\\*b             | ab                 | false",
            "a?b               | a☺b                | true",
            "a[^a]b            | a☺b                | true",
            "a???b             | a☺b                | false",
            "a[^a][^a][^a]b    | a☺b                | false",
            "[a-ζ]*            | α                  | true",
            "*[a-ζ]            | A                  | false",
            "a?b               | a/b                | false",
            "a*b               | a/b                | false",
            "[\\]a]            | ]                  | true",
            "[\\-]             | -                  | true",
            "[x\\-]            | x                  | true",
            "[x\\-]            | -                  | true",
            "[x\\-]            | z                  | false",
            "[\\-x]            | x                  | true",
            "[\\-x]            | -                  | true",
            "[\\-x]            | a                  | false",
            "*x                | xxx                | true",
    })
    void patternmatcherTestMatch(String pattern, String path, boolean excluded) {
        assertThat(of(pattern).excludes(path)).isEqualTo(excluded);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "[z-a]",
    })
    void refusesMalformedPatternsWithTheirLine(String pattern) {
        assertThatThrownBy(() -> of("ok", "# comment", pattern))
                .isInstanceOfSatisfying(DockerIgnoreException.class, e -> assertThat(e.line()).isEqualTo(3))
                .hasMessageStartingWith("line 3: syntax error in pattern ");
    }

    @Test
    void refusesALoneExclamationMark() {
        // ignorefile keeps "!" and "! " as "!"; patternmatcher.New refuses it.
        assertThatThrownBy(() -> of("a", "! "))
                .isInstanceOf(DockerIgnoreException.class)
                .hasMessage("line 2: illegal exclusion pattern: \"!\";"
                        + " write the path to keep after the ! (as in !docs/README.md) or remove the line");
    }

    @ParameterizedTest(name = "{0} ~ {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            // patternmatcher's multi-pattern cases
            "**;!util/docker/web                        | util/docker/web/foo | false",
            "**;!util/docker/web;util/docker/web/foo    | util/docker/web/foo | true",
            "**;!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl | dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl | false",
            "**;!dist/*.whl                             | dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl | false",
            // TestExclusionPatternMatchesPatternBefore / After, folder exclusions
            "!fileutils.go;*.go                         | fileutils.go        | true",
            "*.go;!fileutils.go                         | fileutils.go        | false",
            "docs;!docs/README.md                       | docs/README.md      | false",
            "docs/;!docs/README.md                      | docs/README.md      | false",
            "docs/*;!docs/README.md                     | docs/README.md      | false",
            // the parent directory stays excluded, and so do its other children
            "docs;!docs/README.md                       | docs                | true",
            "docs;!docs/README.md                       | docs/other.md       | true",
            "docs;!docs/README.md                       | docs/sub/README.md  | true",
            // an exception for a directory keeps everything below it
            "*;!keep                                    | keep/a/b            | false",
            "*;!keep;keep/tmp                           | keep/tmp/x          | true",
            // the root is never excluded; absolute and unclean paths are made relative and clean
            "*                                          | .                   | false",
            "secret                                     | /secret             | true",
            "secret                                     | ./a/../secret/key   | true",
    })
    void laterPatternsWinAndParentsCount(String patterns, String path, boolean excluded) {
        assertThat(of(patterns.split(";")).excludes(path)).isEqualTo(excluded);
    }

    @Test
    void anExcludedDirectoryIsWalkedOnlyWhenAnExceptionMayKeepSomethingInside() {
        DockerIgnore plain = of("docs", "!docs/README.md", "build", "!src");
        assertThat(plain.mustDescend("docs")).isTrue();
        assertThat(plain.mustDescend("build")).isFalse();
        assertThat(plain.mustDescend("src")).isTrue(); // not excluded at all

        DockerIgnore deep = of("node_modules", "!node_modules/pkg/dist/**");
        assertThat(deep.mustDescend("node_modules")).isTrue();
        assertThat(deep.mustDescend("node_modules/pkg")).isTrue();
        assertThat(deep.mustDescend("node_modules/other")).isFalse();

        assertThat(of("*", "!*.md").mustDescend("docs")).isTrue(); // a wildcard exception: cannot tell
        assertThat(of("docs").mustDescend("docs")).isFalse();
        assertThat(of("docs").hasExceptions()).isFalse();
    }

    @Test
    void theDockerfilesOwnIgnoreFileWinsOverTheContexts(@TempDir Path dir) throws IOException {
        Path context = Files.createDirectory(dir.resolve("ctx"));
        Path dockerfile = Files.writeString(dir.resolve("app.Dockerfile"), "FROM scratch\n");

        assertThat(DockerIgnore.locate(context, dockerfile)).isEmpty();
        assertThat(DockerIgnore.load(context, dockerfile).excludes("anything")).isFalse();

        Files.writeString(context.resolve(".dockerignore"), "*.log\n");
        assertThat(DockerIgnore.locate(context, dockerfile)).contains(context.resolve(".dockerignore"));
        assertThat(DockerIgnore.load(context, dockerfile).excludes("a.log")).isTrue();

        Files.writeString(dir.resolve("app.Dockerfile.dockerignore"), "*.tmp\n");
        assertThat(DockerIgnore.locate(context, dockerfile)).contains(dir.resolve("app.Dockerfile.dockerignore"));
        DockerIgnore own = DockerIgnore.load(context, dockerfile);
        assertThat(own.excludes("a.tmp")).isTrue();
        assertThat(own.excludes("a.log")).isFalse();
    }

    @Test
    void aBadPatternInAFileNamesTheFile(@TempDir Path dir) throws IOException {
        Path dockerfile = Files.writeString(dir.resolve("Dockerfile"), "FROM scratch\n");
        Files.writeString(dir.resolve(".dockerignore"), "ok\n[\n");

        assertThatThrownBy(() -> DockerIgnore.load(dir, dockerfile))
                .isInstanceOf(DockerIgnoreException.class)
                .hasMessageStartingWith(dir.resolve(".dockerignore") + " line 2: syntax error in pattern [");
    }
}
