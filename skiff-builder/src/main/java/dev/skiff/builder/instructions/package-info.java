/**
 * Parsed instructions to typed commands and stages, as BuildKit's {@code instructions} package and
 * the stage handling of its {@code dockerfile2llb} do:
 * {@link dev.skiff.builder.instructions.CommandParser} types one instruction
 * ({@link dev.skiff.builder.instructions.Command}), {@link dev.skiff.builder.instructions.Stages}
 * groups them by FROM, {@link dev.skiff.builder.instructions.StageGraph} says which stages a
 * target needs and which can run side by side, and
 * {@link dev.skiff.builder.instructions.StageExpander} expands a stage's variables with BuildKit's
 * ARG/ENV rules. Errors are {@link dev.skiff.builder.instructions.InstructionException}s naming
 * the lines at fault. Nothing here does I/O.
 */
package dev.skiff.builder.instructions;
