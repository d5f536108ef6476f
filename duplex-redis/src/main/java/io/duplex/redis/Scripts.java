package io.duplex.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;

/**
 * The broker's Lua scripts (resources beside this class), run by digest ({@code EVALSHA}) and sent in full
 * ({@code EVAL}, which caches them) only when Redis does not know them: after a restart or a failover.
 * Immutable and thread-safe.
 */
final class Scripts {
    static final Script PUBLISH = load("publish.lua");
    static final Script HISTORY = load("history.lua");
    static final Script JOIN = load("join.lua");
    static final Script LEAVE = load("leave.lua");
    static final Script PRESENCE = load("presence.lua");

    private Scripts() {}

    record Script(String name, String text, String sha) {
        <T> CompletableFuture<T> run(RedisScriptingAsyncCommands<String, String> redis, String[] keys, String... args) {
            CompletableFuture<T> out = new CompletableFuture<>();
            redis.<T>evalsha(sha, ScriptOutputType.MULTI, keys, args).whenComplete((v, e) -> {
                if (e instanceof RedisNoScriptException) {
                    redis.<T>eval(text, ScriptOutputType.MULTI, keys, args).whenComplete((v2, e2) -> {
                        if (e2 != null) {
                            out.completeExceptionally(e2);
                        } else {
                            out.complete(v2);
                        }
                    });
                } else if (e != null) {
                    out.completeExceptionally(e);
                } else {
                    out.complete(v);
                }
            });
            return out;
        }
    }

    /**
     * The script for a Redis Cluster: its fan-out uses sharded pub/sub ({@code SPUBLISH}), which Redis delivers
     * only within the shard that owns the channel's slot; the channel carries the topic's hash tag, so that is the
     * shard the script runs on.
     */
    static Script sharded(Script s) {
        String text = s.text().replace("redis.call('PUBLISH'", "redis.call('SPUBLISH'");
        return new Script(s.name(), text, sha1(text));
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(
                    text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Script load(String name) {
        try (InputStream in = Scripts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + name);
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Script(name, text, sha1(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
