package io.duplex.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option defaults from the environment and a config file, so that every setting of every command has one name
 * in three places: {@code --history-size 50} on the command line, {@code DUPLEX_HISTORY_SIZE=50} in the
 * environment, {@code history-size = 50} in the properties file that {@code --config FILE} or
 * {@code DUPLEX_CONFIG} names. The command line wins over the environment, the environment over the file, the
 * file over the default written on the option.
 *
 * <p>picocli asks for defaults before it has parsed anything, so {@link #load} finds {@code --config} in the raw
 * arguments itself. A file key that names no option of any command is refused: a typo must fail at start, not
 * leave the default silently in place.
 *
 * <p>Thread-safety: immutable once loaded.
 */
final class ConfigDefaults implements IDefaultValueProvider {
    static final String CONFIG_OPTION = "--config";
    private static final String ENV_PREFIX = "DUPLEX_";

    private final Map<String, String> env;
    private final Map<String, String> file;

    private ConfigDefaults(Map<String, String> env, Map<String, String> file) {
        this.env = Map.copyOf(env);
        this.file = Map.copyOf(file);
    }

    /**
     * Reads the config file, if the arguments or the environment name one, and checks its keys against every
     * option of {@code root} and its subcommands.
     *
     * @throws IllegalArgumentException when the file cannot be read or has keys that are no option's name
     */
    static ConfigDefaults load(CommandLine root, String[] args, Map<String, String> env) {
        String path = configPath(args, env);
        if (path == null) {
            return new ConfigDefaults(env, Map.of());
        }
        Map<String, String> file = read(path);
        Set<String> unknown = new TreeSet<>(file.keySet());
        unknown.removeAll(settingNames(root));
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown key" + (unknown.size() == 1 ? "" : "s") + " in " + path + ": "
                    + String.join(", ", unknown) + " (a key is an option's long name without the dashes)");
        }
        return new ConfigDefaults(env, file);
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        String name = settingName(arg);
        if (name == null) {
            return null;
        }
        String fromEnv = env.get(envName(name));
        // null: picocli falls back to the option's own default.
        return fromEnv != null ? fromEnv : file.get(name);
    }

    /** {@code history-size} becomes {@code DUPLEX_HISTORY_SIZE}. */
    static String envName(String setting) {
        return ENV_PREFIX + setting.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** {@code --config FILE} or {@code --config=FILE} before any {@code --}, else {@code DUPLEX_CONFIG}. */
    static String configPath(String[] args, Map<String, String> env) {
        for (int i = 0; i < args.length && !args[i].equals("--"); i++) {
            if (args[i].equals(CONFIG_OPTION) && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith(CONFIG_OPTION + "=")) {
                return args[i].substring(CONFIG_OPTION.length() + 1);
            }
        }
        return env.get(envName(CONFIG_OPTION.substring(2)));
    }

    /** The option's long name without its dashes, or null for what takes no settings: positionals, help, --config. */
    private static String settingName(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
            return null;
        }
        String longest = option.longestName();
        return longest.startsWith("--") && !longest.equals(CONFIG_OPTION) ? longest.substring(2) : null;
    }

    private static Set<String> settingNames(CommandLine command) {
        Set<String> names = new HashSet<>();
        for (OptionSpec option : command.getCommandSpec().options()) {
            String name = settingName(option);
            if (name != null) {
                names.add(name);
            }
        }
        for (CommandLine sub : command.getSubcommands().values()) {
            names.addAll(settingNames(sub));
        }
        return names;
    }

    private static Map<String, String> read(String path) {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of(path), StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + path + ": " + e);
        }
        Map<String, String> settings = new HashMap<>();
        // Properties keeps the spaces at the end of a value; "port = 8080 " means 8080.
        properties.stringPropertyNames().forEach(key -> settings.put(key, properties.getProperty(key).strip()));
        return settings;
    }
}
