package io.duplex.net.interop;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Installs a folder's npm packages for the tests that need them, so that README's one test command runs every test
 * on a fresh clone: when {@code node_modules} lacks a wanted package, runs {@code npm ci} there once per JVM, with
 * the machine's npm (it never downloads Node). Several JVMs serialise on a lock file in the folder.
 *
 * <p>Thread-safety: safe from any thread.
 */
public final class NodePackages {
    private static final Set<Path> TRIED = ConcurrentHashMap.newKeySet();

    private NodePackages() {}

    /**
     * Makes {@code dir/node_modules/<pkg>} present for every package, running {@code npm ci} in {@code dir} if one
     * is missing. Returns whether all are present afterwards; a failure is printed, and callers skip or fail.
     */
    public static boolean ensure(Path dir, String... packages) {
        if (allPresent(dir, packages)) {
            return true;
        }
        synchronized (NodePackages.class) {
            if (TRIED.add(dir)) {
                install(dir, packages);
            }
        }
        return allPresent(dir, packages);
    }

    private static boolean allPresent(Path dir, String... packages) {
        for (String pkg : packages) {
            if (!Files.isRegularFile(dir.resolve("node_modules").resolve(pkg).resolve("package.json"))) {
                return false;
            }
        }
        return true;
    }

    private static void install(Path dir, String... packages) {
        Path lockFile = dir.resolve(".npm-install.lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            if (allPresent(dir, packages)) {
                return;  // another JVM installed them while we waited
            }
            System.err.println("*** " + dir.resolve("node_modules") + " lacks " + String.join(", ", packages)
                    + ": running `npm ci` there ***");
            Process p = new ProcessBuilder(List.of("npm", "ci", "--no-audit", "--no-fund"))
                    .directory(dir.toFile()).redirectErrorStream(true).inheritIO().start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                System.err.println("*** npm ci in " + dir + " did not finish within 10 minutes ***");
            } else if (p.exitValue() != 0) {
                System.err.println("*** npm ci in " + dir + " failed with exit code " + p.exitValue() + " ***");
            }
        } catch (IOException e) {
            System.err.println("*** cannot run npm ci in " + dir + ": " + e + " ***");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Files.deleteIfExists(lockFile);
            } catch (IOException e) {
                // Left behind: harmless, only a lock target.
            }
        }
    }
}
