package io.duplex.server;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One in-process run of the {@code duplex} command with stdin, stdout and stderr replaced. The streams are the
 * JVM's own, so tests using this must not run in parallel with each other.
 */
record CliRun(int exitCode, String out, String err) {

    static CliRun run(InputStream stdin, String... args) {
        return run(stdin, Map.of(), args);
    }

    /** @param env the environment the command sees, instead of the JVM's */
    static CliRun run(InputStream stdin, Map<String, String> env, String... args) {
        InputStream in = System.in;
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        try {
            System.setIn(stdin);
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            int code = Main.execute(args, env);
            return new CliRun(code, stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(in);
            System.setOut(out);
            System.setErr(err);
        }
    }
}
