package dev.skiff.registry.gc;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;

/**
 * Another process on the same registry root, for {@link CollectionLockTest}: takes the lock named by
 * its second argument, prints "held", and releases it when its standard input says so or closes.
 */
public final class LockHolderMain {
    public static void main(String[] args) throws Exception {
        CollectionLock lock = CollectionLock.forFileSystem(Path.of(args[0]));
        System.out.println("waiting");
        System.out.flush();
        try (CollectionLock.Hold _ = "exclusive".equals(args[1]) ? lock.exclusive() : lock.shared()) {
            System.out.println("held");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in)).readLine();
        }
        System.out.println("released");
        System.out.flush();
    }
}
