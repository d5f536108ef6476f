package io.duplex.server;

import io.duplex.server.bench.BenchCommand;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Entry point of the {@code duplex} command. Exit status 2 means the command line was wrong: an unknown command
 * or option, a bad value, or no command at all (the usage then goes to stderr).
 */
@Command(name = "duplex", mixinStandardHelpOptions = true, version = "duplex 0.1.0",
        description = "WebSocket toolkit and real-time messaging server.",
        footer = {"", "Every option --NAME takes its default from env DUPLEX_NAME (upper case, '_' for '-'), else from",
            "the key NAME of the --config file, else from the default shown."},
        subcommands = {EchoCommand.class, ServeCommand.class, ConnectCommand.class, BenchCommand.class})
public final class Main implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    // Read by ConfigDefaults before picocli parses; declared so that every command accepts it.
    @Option(names = ConfigDefaults.CONFIG_OPTION, paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Properties file of option defaults, one 'name = value' a line (env DUPLEX_CONFIG).")
    Path config;

    public static void main(String[] args) {
        System.exit(execute(args, System.getenv()));
    }

    /**
     * Runs one command line the way the {@code duplex} command does, with {@code env} as the environment for
     * option defaults, and returns its exit status.
     */
    static int execute(String[] args, Map<String, String> env) {
        CommandLine cmd = commandLine();
        try {
            cmd.setDefaultValueProvider(ConfigDefaults.load(cmd, args, env));
        } catch (IllegalArgumentException e) {
            cmd.getErr().println("duplex: " + e.getMessage());
            cmd.getErr().flush();
            return ExitCode.USAGE;
        }
        return cmd.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Main());
        CommandLine.IParameterExceptionHandler usual = cmd.getParameterExceptionHandler();
        cmd.setParameterExceptionHandler((ex, args) -> reportUnknownCommand(ex) ? ExitCode.USAGE
                : usual.handleParseException(ex, args));
        cmd.setExecutionStrategy(Main::refuseUnmatched);
        return cmd;
    }

    /**
     * picocli forgives unmatched arguments when {@code --help} is on the line, so {@code duplex ech --help} would
     * print the top-level help and succeed; a mistyped command must fail the same way with or without it.
     */
    private static int refuseUnmatched(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (!p.unmatched().isEmpty()) {
                throw new UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
            }
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    /** One line naming the commands there are, instead of picocli's full usage, when a command name is wrong. */
    private static boolean reportUnknownCommand(ParameterException ex) {
        CommandLine where = ex.getCommandLine();
        if (!(ex instanceof UnmatchedArgumentException u) || where.getSubcommands().isEmpty()
                || u.getUnmatched().isEmpty() || u.getUnmatched().get(0).startsWith("-")) {
            return false;
        }
        String name = where.getCommandSpec().qualifiedName();
        PrintWriter err = where.getErr();
        err.printf("%s: unknown command '%s'; the commands are %s (see '%s --help')%n", name, u.getUnmatched().get(0),
                String.join(", ", where.getSubcommands().keySet()), name);
        err.flush();
        return true;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCode.USAGE;
    }
}
