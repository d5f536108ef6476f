package io.duplex.server;

import io.duplex.server.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code duplex} command. */
@Command(name = "duplex", mixinStandardHelpOptions = true, version = "duplex 0.1.0",
        description = "WebSocket toolkit and real-time messaging server.",
        subcommands = {EchoCommand.class, ServeCommand.class, ConnectCommand.class, BenchCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
