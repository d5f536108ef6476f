package io.duplex.server;

import io.duplex.hub.HubConfig;
import io.duplex.hub.broker.Broker;
import io.duplex.redis.RedisBroker;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Where the hub keeps topics: {@code --broker memory} (this process only, the default) or {@code --broker redis}
 * with {@code --redis redis://host:port}, for several nodes sharing topics, presence and history
 * (docs/scaling.md). {@code @Mixin BrokerOptions broker;} then {@link #create}.
 */
final class BrokerOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--broker", defaultValue = "memory",
            description = "memory (one node) or redis (several nodes on one Redis; see --redis) (default: ${DEFAULT-VALUE}).")
    String broker;

    @Option(names = "--redis", defaultValue = "redis://127.0.0.1:6379", paramLabel = "URI",
            description = "The Redis of --broker redis (default: ${DEFAULT-VALUE}).")
    String redis;

    @Option(names = "--presence-refresh", defaultValue = "PT5S",
            description = "With --broker redis: how often this node extends the expiry of its presence members; "
                    + "a crashed node's members are gone within 4 times this (default: ${DEFAULT-VALUE}).")
    java.time.Duration presenceRefresh;

    /** The broker the flags ask for, connected; null for the in-memory one (the hub makes and owns that). */
    Broker create(HubConfig config) {
        return switch (broker) {
            case "memory" -> null;
            case "redis" -> new RedisBroker(config,
                    RedisBroker.Options.defaults(redis).withPresenceRefresh(presenceRefresh));
            default -> throw new ParameterException(command.commandLine(),
                    "--broker must be memory or redis, not " + broker);
        };
    }
}
