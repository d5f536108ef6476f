package io.duplex.server;

import io.duplex.hub.HubConfig;
import io.duplex.hub.broker.Broker;
import io.duplex.redis.RedisBroker;
import io.duplex.redis.ShardedBroker;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Where the hub keeps topics: {@code --broker memory} (this process only, the default) or {@code --broker redis}
 * with {@code --redis redis://host:port}, for several nodes sharing topics, presence and history; a comma-separated
 * list of URIs spreads topics over several Redis instances by consistent hashing (docs/scaling.md); {@code
 * --redis-cluster redis://host:port[,...]} (seed nodes) uses a Redis Cluster instead and then replaces {@code --redis}.
 * {@code @Mixin BrokerOptions broker;} then {@link #create}.
 */
final class BrokerOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--broker", defaultValue = "memory",
            description = "memory (one node) or redis (several nodes on one Redis; see --redis) (default: ${DEFAULT-VALUE}).")
    String broker;

    @Option(names = "--redis", defaultValue = "redis://127.0.0.1:6379", paramLabel = "URI[,URI...]",
            description = "The Redis of --broker redis; several, comma-separated, are shards: each topic lives on "
                    + "one of them, chosen by consistent hashing; every node needs the same list "
                    + "(default: ${DEFAULT-VALUE}).")
    String redis;

    @Option(names = "--redis-cluster", paramLabel = "URI[,URI...]",
            description = "With --broker redis: a Redis Cluster instead of --redis, given by one or more of its "
                    + "nodes (seeds; the others are learnt from them). Each topic lives on the master that owns its "
                    + "slot; nodes may be given different seeds.")
    String redisCluster;

    @Option(names = "--presence-refresh", defaultValue = "PT5S",
            description = "With --broker redis: how often this node extends the expiry of its presence members; "
                    + "a crashed node's members are gone within 4 times this (default: ${DEFAULT-VALUE}).")
    java.time.Duration presenceRefresh;

    /** The broker the flags ask for, connected; null for the in-memory one (the hub makes and owns that). */
    Broker create(HubConfig config) {
        if (redisCluster != null && !"redis".equals(broker)) {
            throw new ParameterException(command.commandLine(), "--redis-cluster needs --broker redis");
        }
        return switch (broker) {
            case "memory" -> null;
            case "redis" -> redis(config);
            default -> throw new ParameterException(command.commandLine(),
                    "--broker must be memory or redis, not " + broker);
        };
    }

    private Broker redis(HubConfig config) {
        if (redisCluster != null) {
            List<String> seeds = Arrays.stream(redisCluster.split(",")).map(String::trim).filter(u -> !u.isEmpty())
                    .toList();
            if (seeds.isEmpty()) {
                throw new ParameterException(command.commandLine(), "--redis-cluster needs one or more node URIs");
            }
            return RedisBroker.cluster(config, RedisBroker.Options.defaults(String.join(",", seeds))
                    .withPresenceRefresh(presenceRefresh));
        }
        List<String> uris = Arrays.stream(redis.split(",")).map(String::trim).filter(u -> !u.isEmpty()).toList();
        if (uris.isEmpty() || uris.size() != new HashSet<>(uris).size()) {
            throw new ParameterException(command.commandLine(),
                    "--redis needs one or more distinct URIs, not '" + redis + "'");
        }
        RedisBroker.Options options = RedisBroker.Options.defaults(uris.get(0)).withPresenceRefresh(presenceRefresh);
        return uris.size() == 1 ? new RedisBroker(config, options) : new ShardedBroker(config, options, uris);
    }
}
