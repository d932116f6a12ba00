package dev.skiff.builder.dockerfile;

/**
 * One argument of an instruction as the parser leaves it: still raw text (no variables expanded,
 * quotes kept where the instruction keeps them), or, for {@code ONBUILD}, the instruction it wraps.
 */
public sealed interface Argument {

    /** How BuildKit's dump prints this argument. */
    String dump();

    /** A word or the whole rest of the line, depending on the instruction. */
    record Text(String value) implements Argument {
        public Text {
            java.util.Objects.requireNonNull(value, "value");
        }

        @Override
        public String dump() {
            return GoText.quote(value);
        }
    }

    /** The instruction that {@code ONBUILD} registers for images built from this one. */
    record Nested(Instruction instruction) implements Argument {
        public Nested {
            java.util.Objects.requireNonNull(instruction, "instruction");
        }

        @Override
        public String dump() {
            return "(" + instruction.dump() + ")";
        }
    }
}
