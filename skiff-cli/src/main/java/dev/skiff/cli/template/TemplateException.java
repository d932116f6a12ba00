package dev.skiff.cli.template;

/**
 * A template that does not parse, or fails while it runs. The message is Go's, word for word where we
 * know it (for example {@code template: :1: unexpected "}" in operand}), so it reads as docker's does.
 */
public final class TemplateException extends RuntimeException {
    public TemplateException(String message) {
        super(message, null, false, false);
    }
}
