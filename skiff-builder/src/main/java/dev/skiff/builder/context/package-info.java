/**
 * The build context: which files of the context directory a build may see. {@link
 * dev.skiff.builder.context.DockerIgnore} reads a {@code .dockerignore} file and matches paths with
 * the semantics of moby/patternmatcher and BuildKit's context walker.
 */
package dev.skiff.builder.context;
