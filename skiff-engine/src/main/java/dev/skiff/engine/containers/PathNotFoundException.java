package dev.skiff.engine.containers;

import dev.skiff.engine.EngineException;

/** A path asked for in a container's files does not exist there (HTTP 404), in docker's words. */
public final class PathNotFoundException extends EngineException {
    PathNotFoundException(String path, Container c) {
        super("Could not find the file " + path + " in container " + c.name().substring(1));
    }
}
