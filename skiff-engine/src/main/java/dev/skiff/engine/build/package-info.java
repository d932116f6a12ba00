/**
 * The classic builder's executor ({@code docker build} with {@code version=1}): a Dockerfile's
 * stages, parsed and expanded by {@code skiff-builder}, run step by step into images. RUN runs in a
 * real container; COPY and ADD write into a created, never started container's overlay; every
 * other instruction changes the config only. Each step's result is cached by parent image,
 * instruction and source checksums ({@link BuildCache}).
 */
package dev.skiff.engine.build;
