/**
 * Dockerfile text to instructions, with BuildKit's semantics: {@link dev.skiff.builder.dockerfile.DockerfileParser}
 * gives a {@link dev.skiff.builder.dockerfile.Dockerfile} of {@link dev.skiff.builder.dockerfile.Instruction}s
 * with their source lines, and {@link dev.skiff.builder.dockerfile.ShellLexer} expands a word's variables
 * later, with a stage's environment. BuildKit's own test data (src/test/resources/buildkit-testdata) is the
 * contract; nothing here does I/O.
 */
package dev.skiff.builder.dockerfile;
