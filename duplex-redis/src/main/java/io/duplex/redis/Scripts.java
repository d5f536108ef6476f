package io.duplex.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
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
        <T> CompletableFuture<T> run(RedisAsyncCommands<String, String> redis, String[] keys, String... args) {
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

    private static Script load(String name) {
        try (InputStream in = Scripts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + name);
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            byte[] sha = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            return new Script(name, text, HexFormat.of().formatHex(sha));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
