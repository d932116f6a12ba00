package dev.skiff.engine.distribution;

/** A registry user and password, as {@code docker login} stores them and X-Registry-Auth carries them. */
public record Credentials(String username, String password) {
    public Credentials {
        if (username == null || password == null) {
            throw new IllegalArgumentException("credentials need a username and a password");
        }
    }

    @Override
    public String toString() {
        return "Credentials[" + username + ", ****]";
    }
}
