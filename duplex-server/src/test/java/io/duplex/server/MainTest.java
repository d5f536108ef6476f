package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** The {@code duplex} command line itself: which mistakes exit 2 and what they say. */
class MainTest {

    private static CliRun run(String... args) {
        InputStream noInput = new ByteArrayInputStream(new byte[0]);
        return CliRun.run(noInput, args);
    }

    @Test
    void unknownCommandExits2AndNamesTheCommandsThereAre() {
        CliRun r = run("ech");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("duplex: unknown command 'ech'").contains("echo, serve, connect, bench");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void unknownCommandFollowedByHelpStillExits2() {
        CliRun r = run("ech", "--help");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("unknown command 'ech'");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void helpOfAKnownCommandIsThatCommandsHelp() {
        CliRun r = run("echo", "--help");

        assertThat(r.exitCode()).isEqualTo(0);
        assertThat(r.out()).contains("Usage: duplex echo").contains("--shutdown-timeout");
    }

    @Test
    void noCommandPrintsTheUsageToStderrAndExits2() {
        CliRun r = run();

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Usage: duplex").contains("echo").contains("connect");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void unknownOptionExits2() {
        CliRun r = run("echo", "--prot", "80");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option").contains("'--prot'");
    }
}
