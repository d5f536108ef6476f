package io.duplex.server.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time and memory of another process on Linux, from {@code /proc/PID/stat} (fields 14 and 15, utime and
 * stime, in clock ticks: proc(5)) and {@code /proc/PID/status} (VmRSS, VmHWM in kB).
 *
 * <p>Thread-safety: immutable value.
 */
record ProcStats(double cpuSeconds, long rssBytes, long peakRssBytes) {
    /** USER_HZ; 100 on every mainstream Linux architecture (sysconf(_SC_CLK_TCK)). */
    private static final double TICKS_PER_SECOND = 100.0;

    static ProcStats read(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            long rss = 0;
            long hwm = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kb(line);
                } else if (line.startsWith("VmHWM:")) {
                    hwm = kb(line);
                }
            }
            return new ProcStats(ticks / TICKS_PER_SECOND, rss, hwm);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + ": " + e.getMessage(), e);
        }
    }

    private static long kb(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }
}
