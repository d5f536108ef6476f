#!/usr/bin/python3
"""Turns a run-bench.sh results directory (runs.jsonl, machine.json) into table.md and chart.svg.

Usage: python3 duplex-bench/bench-report.py duplex-bench/results/<timestamp> [--chart PATH] [--table PATH]

Per scenario and server: the median over the rounds that succeeded, the min-max spread, the ratio to the best
server, peak RSS, server CPU seconds, work per server CPU second and the server's CPU share. A run whose
generator reported any error (missing echo, lost connection, failed handshake, undelivered fan-out message)
counts as failed; its reason is printed under the table. Standard library only.
"""
import json
import statistics
import sys
from pathlib import Path

SCENARIOS = {
    # name: (title, work field, unit, per-CPU field)
    "echo32": ("Echo, 32-byte text, 100 connections x depth 16", "messages_per_s", "msg/s", "messages_per_server_cpu_s"),
    "echo32w": ("Echo, 32-byte text, 100 connections x depth 16, one write per message", "messages_per_s", "msg/s",
                "messages_per_server_cpu_s"),
    "echo4k": ("Echo, 4 KiB binary, 50 connections x depth 4", "messages_per_s", "msg/s", "messages_per_server_cpu_s"),
    "echo1m": ("Echo, 1 MiB binary, 4 connections x depth 2", "messages_per_s", "msg/s", "messages_per_server_cpu_s"),
    "latency": ("Round-trip latency, 32-byte text, 1 connection x depth 1", "latency_p99_us", "us", "messages_per_server_cpu_s"),
    "idle": ("Idle connections: handshakes, then memory held per connection", "handshakes_per_s", "handshakes/s",
             "handshakes_per_server_cpu_s"),
    "fanout": ("Fan-out, 64-byte binary messages to 1,000 subscribers", "deliveries_per_s", "deliveries/s",
               "deliveries_per_server_cpu_s"),
}
JAVA = {"duplex", "netty", "jetty", "java-websocket", "vertx"}
COLORS = {"duplex": "#d62728", "netty": "#1f77b4", "jetty": "#ff7f0e", "java-websocket": "#2ca02c",
          "vertx": "#9467bd", "ws": "#8c564b", "uws": "#7f7f7f"}
SATURATED = 0.9


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(v, digits=0):
    if v is None:
        return "-"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def spread(xs, digits=0):
    if not xs:
        return "-"
    return f"{fmt(min(xs), digits)}-{fmt(max(xs), digits)}"


def cpu_share(r):
    window = r.get("open_s") if r.get("mode") == "connect" else r.get("duration_s")
    if r.get("server_cpu_s") is None or not window:
        return None
    return r["server_cpu_s"] / window


def load(directory):
    runs = [json.loads(line) for line in (directory / "runs.jsonl").read_text().splitlines() if line.strip()]
    machine_file = directory / "machine.json"
    machine = json.loads(machine_file.read_text()) if machine_file.exists() else {}
    return runs, machine


def summarize(runs, machine):
    """{scenario: {server: summary}}, in the order scenarios and servers were run."""
    seen_sc = {r["scenario"] for r in runs}
    seen_sv = {r["server"] for r in runs}
    order_sc = [s for s in machine.get("scenarios", "").split() if s in seen_sc]
    order_sc += [s for s in SCENARIOS if s in seen_sc and s not in order_sc]
    order_sv = [s for s in machine.get("servers", "").split() if s in seen_sv]
    order_sv += sorted(seen_sv - set(order_sv))
    out = {}
    for sc in order_sc:
        work_field = SCENARIOS[sc][1]
        per_cpu_field = SCENARIOS[sc][3]
        rows = {}
        for sv in order_sv:
            mine = [r for r in runs if r["scenario"] == sc and r["server"] == sv]
            if not mine:
                continue
            ok = [r for r in mine if r["status"] == "ok"]
            vals = lambda f: [r[f] for r in ok if r.get(f) is not None]
            hwm = [r["server_vmhwm_kb"] / 1024 for r in ok if r.get("server_vmhwm_kb")]
            shares = [s for s in map(cpu_share, ok) if s is not None]
            rows[sv] = {
                "runs": len(mine), "ok": len(ok),
                "failures": sorted({f"round {r['round']}: {r['reason']}" for r in mine if r["status"] != "ok"}),
                "work": vals(work_field), "per_cpu": vals(per_cpu_field),
                "cpu_s": vals("server_cpu_s"), "share": shares, "peak_rss_mib": hwm,
                "mb_per_s": vals("mb_per_s"),
                "p50": vals("latency_p50_us"), "p99": vals("latency_p99_us"), "p999": vals("latency_p99_9_us"),
                "hs_p99": vals("handshake_p99_us"),
                "rss_per_conn": vals("rss_bytes_per_connection"), "heap_per_conn": vals("heap_bytes_per_connection"),
                "msg_per_s": vals("messages_per_s"),
            }
        out[sc] = rows
    return out


def best(rows, key, lower=False):
    meds = {sv: med(r[key]) for sv, r in rows.items() if r[key]}
    if lower:  # memory deltas can come out at or below zero in noise: no ratio for those
        meds = {sv: v for sv, v in meds.items() if v > 0}
    if not meds:
        return None, {}
    b = min(meds.values()) if lower else max(meds.values())
    return b, meds


def ratio(v, b, lower=False):
    if v is None or not b:
        return None
    return b / v if lower else v / b


def table(summary, machine):
    lines = []
    m = machine
    lines.append(f"Medians over {m.get('rounds', '?')} interleaved rounds (min-max in brackets); ratio = median / best "
                 f"median (1.00 = best; for latency and memory, best / median). Server pinned to CPU {m.get('server_cpu', '?')} "
                 f"with one event loop, generator to CPU {m.get('client_cpu', '?')}; Java servers: `{m.get('jvm_flags', '?')}`; "
                 f"measured {m.get('duration_s', '?')} s after {m.get('warmup_s', '?')} s of warm-up. "
                 f"\"CPU share\" is server CPU seconds per second of measurement: below {SATURATED} the server's core was "
                 f"not saturated, the generator was the limit, and work per server CPU second is the fair figure (marked *).")
    lines.append("")
    notes = []
    for sc, rows in summary.items():
        title, _, unit, _ = SCENARIOS[sc]
        lines.append(f"### {title}")
        lines.append("")
        if sc == "latency":
            b99, _ = best(rows, "p99", lower=True)
            lines.append("| server | p50 us | p99 us | p99.9 us | p99 ratio | msg/s | server CPU share | peak RSS MiB | runs ok |")
            lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            for sv, r in rows.items():
                if not r["ok"]:
                    lines.append(f"| {sv} | failed |" + " |" * 6 + f" 0/{r['runs']} |")
                    continue
                p99 = med(r["p99"])
                lines.append(f"| {sv} | {fmt(med(r['p50']))} | {fmt(p99)} ({spread(r['p99'])}) | {fmt(med(r['p999']))} | "
                             f"{fmt(ratio(p99, b99, True), 2)} | {fmt(med(r['msg_per_s']))} | {fmt(med(r['share']), 2)} | "
                             f"{fmt(med(r['peak_rss_mib']))} | {r['ok']}/{r['runs']} |")
        else:
            bw, _ = best(rows, "work")
            bc, _ = best(rows, "per_cpu")
            if sc == "idle":
                tail = ("RSS bytes per idle connection | heap bytes per idle connection | handshake p99 us",
                        lambda r: f"{fmt(med(r['rss_per_conn']))} ({spread(r['rss_per_conn'])}) | "
                                  f"{fmt(med(r['heap_per_conn']))} | {fmt(med(r['hs_p99']))}")
            else:
                tail = ("MB/s | p99 us", lambda r: f"{fmt(med(r['mb_per_s']), 1)} | {fmt(med(r['p99']))}")
            lines.append(f"| server | {unit} | ratio | {unit.split('/')[0]} per server CPU s | ratio | server CPU s | "
                         f"server CPU share | {tail[0]} | peak RSS MiB | runs ok |")
            lines.append("|---|" + "---:|" * (9 + tail[0].count("|")))
            for sv, r in rows.items():
                if not r["ok"]:
                    lines.append(f"| {sv} | failed |" + " |" * (7 + tail[0].count("|")) + f" 0/{r['runs']} |")
                    continue
                share = med(r["share"])
                star = "*" if share is not None and share < SATURATED else ""
                lines.append(f"| {sv} | {fmt(med(r['work']))} ({spread(r['work'])}){star} | {fmt(ratio(med(r['work']), bw), 2)} | "
                             f"{fmt(med(r['per_cpu']))} ({spread(r['per_cpu'])}) | {fmt(ratio(med(r['per_cpu']), bc), 2)} | "
                             f"{fmt(med(r['cpu_s']), 2)} | {fmt(share, 2)} | {tail[1](r)} | "
                             f"{fmt(med(r['peak_rss_mib']))} | {r['ok']}/{r['runs']} |")
        for sv, r in rows.items():
            for f in r["failures"]:
                notes.append(f"- {sc}, {sv}, {f}")
        lines.append("")
    if notes:
        lines.append("Failed runs (not in the medians):")
        lines.append("")
        lines.extend(notes)
        lines.append("")
    return "\n".join(lines)


def targets(summary):
    """The project's targets, checked against the medians. Returns markdown lines."""
    out = []

    def m(sc, sv, key):
        r = summary.get(sc, {}).get(sv)
        return med(r[key]) if r and r[key] else None

    def best_java(sc, key, lower=False):
        vals = [(m(sc, sv, key), sv) for sv in JAVA - {"duplex"} if m(sc, sv, key) is not None]
        if not vals:
            return None, "-"
        return (min if lower else max)(vals)

    def line(name, ok, detail):
        verdict = "n/a" if ok is None else ("met" if ok else "not met")
        out.append(f"| {name} | {verdict} | {detail} |")

    out.append("| target | verdict | medians |")
    out.append("|---|---|---|")
    for sc in ("echo32", "echo32w", "echo4k", "echo1m"):
        d = m(sc, "duplex", "per_cpu")
        bj, bjn = best_java(sc, "per_cpu")
        u = m(sc, "uws", "per_cpu")
        ok = None if d is None or bj is None else d >= 1.3 * bj
        line(f"{sc}: msg per server CPU s >= 1.3x best Java peer", ok,
             f"duplex {fmt(d)}, best Java peer {bjn} {fmt(bj)} (x{fmt(ratio(d, bj), 2)})")
        ok = None if d is None or u is None else d >= u
        line(f"{sc}: msg per server CPU s >= uWS", ok, f"duplex {fmt(d)}, uws {fmt(u)} (x{fmt(ratio(d, u), 2)})")
    d = m("fanout", "duplex", "per_cpu")
    bj, bjn = best_java("fanout", "per_cpu")
    line("fan-out deliveries per server CPU s >= 2x best Java peer", None if d is None or bj is None else d >= 2 * bj,
         f"duplex {fmt(d)}, best Java peer {bjn} {fmt(bj)} (x{fmt(ratio(d, bj), 2)})")
    d = m("idle", "duplex", "rss_per_conn")
    h = m("idle", "duplex", "heap_per_conn")
    line("RSS per idle connection <= 1 KiB", None if d is None else d <= 1024,
         f"duplex {fmt(d)} bytes RSS ({fmt(h)} bytes of live heap)")
    for key, label in (("work", "handshakes/s"), ("per_cpu", "handshakes per server CPU s")):
        d = m("idle", "duplex", key)
        bj, bjn = best_java("idle", key)
        line(f"{label} >= 2x best Java peer", None if d is None or bj is None else d >= 2 * bj,
             f"duplex {fmt(d)}, best Java peer {bjn} {fmt(bj)} (x{fmt(ratio(d, bj), 2)})")
    d = m("latency", "duplex", "p99")
    bj, bjn = best_java("latency", "p99", lower=True)
    line("p99 latency <= best Java peer", None if d is None or bj is None else d <= bj,
         f"duplex {fmt(d)} us, best Java peer {bjn} {fmt(bj)} us")
    return "\n".join(out)


def chart(summary, machine):
    """Grouped bars: per scenario, each server's figure relative to the best server (1.0 = best)."""
    groups = []
    for sc, rows in summary.items():
        if sc == "latency":
            key, lower, label = "p99", True, "best p99 / p99"
        elif sc == "idle":
            key, lower, label = "per_cpu", False, "handshakes / CPU s"
        else:
            key, lower, label = "per_cpu", False, "msg / CPU s" if sc.startswith("echo") else "deliveries / CPU s"
        b, meds = best(rows, key, lower)
        groups.append((sc, label, {sv: ratio(meds.get(sv), b, lower) for sv in rows}))
        if sc == "idle":
            b, meds = best(rows, "rss_per_conn", True)
            groups.append(("idle RSS", "best / RSS per conn", {sv: ratio(meds.get(sv), b, True) for sv in rows}))
    servers = []
    for _, _, vals in groups:
        for sv in vals:
            if sv not in servers:
                servers.append(sv)
    bar, gap, left, top, plot_h = 17, 24, 60, 50, 300
    group_w = len(servers) * bar + gap
    width = max(left + len(groups) * group_w + 20, 900)
    height = top + plot_h + 110
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
         f'font-family="sans-serif" font-size="11">',
         f'<rect width="{width}" height="{height}" fill="white"/>',
         f'<text x="{left}" y="20" font-size="14" font-weight="bold">Duplex and peers, relative to the best server per '
         f'scenario (1.0 = best; higher is better)</text>',
         f'<text x="{left}" y="36" fill="#555">median of {machine.get("rounds", "?")} rounds; server on one pinned core; '
         f'throughput scenarios compare work per server CPU second; no bar = failed</text>']
    for i in range(6):
        v = i / 5
        y = top + plot_h - v * plot_h
        s.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 20}" y2="{y:.1f}" stroke="#ddd"/>')
        s.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{v:.1f}</text>')
    for gi, (sc, label, vals) in enumerate(groups):
        x0 = left + gi * group_w + gap / 2
        for si, sv in enumerate(servers):
            v = vals.get(sv)
            x = x0 + si * bar
            if v is None:
                s.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h - 3}" text-anchor="middle" font-size="9" '
                         f'fill="{COLORS.get(sv, "#000")}">x</text>')
                continue
            h = min(v, 1.0) * plot_h
            s.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar - 2}" height="{h:.1f}" '
                     f'fill="{COLORS.get(sv, "#000")}"><title>{sv} {sc}: {v:.2f}</title></rect>')
        cx = x0 + len(servers) * bar / 2
        s.append(f'<text x="{cx:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-weight="bold">{sc}</text>')
        s.append(f'<text x="{cx:.1f}" y="{top + plot_h + 30}" text-anchor="middle" font-size="9" fill="#555">{label}</text>')
    for si, sv in enumerate(servers):
        x = left + si * 110
        y = top + plot_h + 55
        s.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{COLORS.get(sv, "#000")}"/>')
        s.append(f'<text x="{x + 16}" y="{y}">{sv}</text>')
    s.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 20}" y2="{top + plot_h}" stroke="#000"/>')
    s.append("</svg>")
    return "\n".join(s) + "\n"


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    directory = Path(args[0])
    chart_path = Path(args[args.index("--chart") + 1]) if "--chart" in args else directory / "chart.svg"
    table_path = Path(args[args.index("--table") + 1]) if "--table" in args else directory / "table.md"
    runs, machine = load(directory)
    machine["rounds"] = len({r["round"] for r in runs})
    summary = summarize(runs, machine)
    text = table(summary, machine) + "\n### Targets\n\n" + targets(summary) + "\n"
    table_path.write_text(text)
    chart_path.write_text(chart(summary, machine))
    print(text)


if __name__ == "__main__":
    main()
