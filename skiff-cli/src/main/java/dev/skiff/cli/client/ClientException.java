package dev.skiff.cli.client;

/** Something the client can't do, said in one sentence a user can act on. */
public class ClientException extends RuntimeException {
    public ClientException(String message) {
        super(message, null, false, false);
    }
}
