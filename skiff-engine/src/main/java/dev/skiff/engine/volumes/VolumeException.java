package dev.skiff.engine.volumes;

import dev.skiff.engine.EngineException;

/** What can go wrong with a volume, one subclass per HTTP answer (404, 409, 400, 500). */
public sealed class VolumeException extends EngineException {
    VolumeException(String message) {
        super(message);
    }

    VolumeException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code get x: no such volume}, docker's words. */
    public static final class NotFound extends VolumeException {
        NotFound(String name) {
            super("get " + name + ": no such volume");
        }
    }

    /** The volume is mounted by containers (HTTP 409). */
    public static final class InUse extends VolumeException {
        InUse(String message) {
            super(message);
        }
    }

    /** A bad name, driver or option (HTTP 400). */
    public static final class InvalidArgument extends VolumeException {
        InvalidArgument(String message) {
            super(message);
        }
    }

    /** The host's file system failed us (HTTP 500). */
    public static final class HostFailure extends VolumeException {
        HostFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
