package io.duplex.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Where an option's value comes from: flag, then DUPLEX_ env, then the config file, then the option's default. */
class ConfigDefaultsTest {
    @TempDir
    Path dir;

    /** A command tree shaped like Main's: the setting lives on a subcommand, --config on the top. */
    @Command(name = "top", subcommands = Hub.class)
    static final class Top implements Runnable {
        @Option(names = "--config", scope = CommandLine.ScopeType.INHERIT)
        Path config;

        @Override
        public void run() {}
    }

    @Command(name = "hub")
    static final class Hub implements Runnable {
        @Option(names = "--history-size", defaultValue = "100")
        int historySize;

        @Override
        public void run() {}
    }

    private static int historySize(Map<String, String> env, String... args) {
        CommandLine top = new CommandLine(new Top());
        top.setDefaultValueProvider(ConfigDefaults.load(top, args, env));
        CommandLine.ParseResult parsed = top.parseArgs(args);
        return ((Hub) parsed.subcommand().commandSpec().userObject()).historySize;
    }

    private Path config(String text) throws IOException {
        return Files.writeString(dir.resolve("duplex.properties"), text);
    }

    @Test
    void theOptionsOwnDefaultWhenNothingElseSaysOtherwise() {
        assertThat(historySize(Map.of(), "hub")).isEqualTo(100);
    }

    @Test
    void fileOverDefaultEnvOverFileFlagOverEnv() throws IOException {
        String file = config("# hub settings\nhistory-size = 200 \n").toString();
        Map<String, String> env = Map.of("DUPLEX_HISTORY_SIZE", "300");

        assertThat(historySize(Map.of(), "hub", "--config", file)).isEqualTo(200);
        assertThat(historySize(env, "hub", "--config", file)).isEqualTo(300);
        assertThat(historySize(env, "hub", "--config", file, "--history-size", "400")).isEqualTo(400);
    }

    @Test
    void configFileNamedByFlagEitherFormOrByEnvTheFlagWinning() throws IOException {
        String file = config("history-size=200\n").toString();
        Path other = Files.writeString(dir.resolve("other.properties"), "history-size: 250\n");

        assertThat(historySize(Map.of(), "--config=" + file, "hub")).isEqualTo(200);
        assertThat(historySize(Map.of("DUPLEX_CONFIG", other.toString()), "hub")).isEqualTo(250);
        assertThat(historySize(Map.of("DUPLEX_CONFIG", other.toString()), "hub", "--config", file)).isEqualTo(200);
    }

    @Test
    void unknownKeysAreRefusedAllOfThemNamed() throws IOException {
        String file = config("history-size = 5\nhistroy-size = 6\nport = 1\n").toString();

        assertThatThrownBy(() -> historySize(Map.of(), "hub", "--config", file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown keys in " + file + ": histroy-size, port");
    }

    @Test
    void envNameIsUpperCaseWithUnderscoresAndPrefix() {
        assertThat(ConfigDefaults.envName("history-size")).isEqualTo("DUPLEX_HISTORY_SIZE");
    }

    // ---- through the duplex command itself ----

    private static CliRun duplex(Map<String, String> env, String... args) {
        return CliRun.run(new ByteArrayInputStream(new byte[0]), env, args);
    }

    @Test
    void unknownKeyStopsTheDuplexCommandWithExit2() throws IOException {
        String file = config("port = 9000\nmax-mesage = 10\n").toString();

        CliRun r = duplex(Map.of(), "echo", "--config", file, "--port", "0");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("duplex: unknown key in " + file + ": max-mesage");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void missingConfigFileStopsTheDuplexCommandWithExit2() {
        CliRun r = duplex(Map.of("DUPLEX_CONFIG", dir.resolve("absent.properties").toString()), "echo", "--help");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("cannot read config file");
    }

    @Test
    void helpShowsDefaultsFromEnvAndFile() throws IOException {
        String file = config("port = 9000\nhost = 0.0.0.0\n").toString();

        CliRun r = duplex(Map.of("DUPLEX_PORT", "9999"), "echo", "--help", "--config", file);

        assertThat(r.exitCode()).isEqualTo(0);
        // Help wraps its lines; compare with the white space folded.
        assertThat(r.out().replaceAll("\\s+", " ")).contains("(default: 9999)").contains("(default: 0.0.0.0)");
    }
}
