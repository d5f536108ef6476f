// Summarizes run.sh output as Markdown tables: median and min-max over rounds.
//   node duplex-bench/deflate/summarize.mjs throughput results/throughput.jsonl
//   node duplex-bench/deflate/summarize.mjs memory results/memory.jsonl
import { readFileSync } from 'node:fs';

const [mode, file] = process.argv.slice(2);
const rows = readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d = 0) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const cell = (xs, d = 0, scale = 1) => {
  const v = xs.map((x) => x / scale);
  return `${fmt(median(v), d)} (${fmt(Math.min(...v), d)}-${fmt(Math.max(...v), d)})`;
};
const group = (key) => {
  const g = new Map();
  for (const r of rows) {
    if (!g.has(r[key])) g.set(r[key], []);
    g.get(r[key]).push(r);
  }
  return g;
};

if (mode === 'throughput') {
  const g = group('server');
  const byRound = (server, field) => new Map(g.get(server).map((r) => [r.round, r[field]]));
  // Ratios are taken within a round (same conditions), then the median and range over rounds.
  const ratio = (server, other, field) => {
    if (!g.has(other)) return [];
    const a = byRound(server, field);
    const b = byRound(other, field);
    return [...a.keys()].filter((k) => b.has(k)).map((k) => a.get(k) / b.get(k));
  };
  console.log(`rounds: ${Math.max(...rows.map((r) => r.round))}\n`);
  console.log('| server | msg/s | server CPU s (10 s) | msg per server-CPU-s | generator CPU s | server bytes in/out per msg |');
  console.log('|---|---|---|---|---|---|');
  for (const [s, rs] of g) {
    console.log(`| ${s} | ${cell(rs.map((r) => r.msgPerSec))} | ${cell(rs.map((r) => r.serverCpuSec), 2)} | `
      + `${cell(rs.map((r) => r.msgPerServerCpuSec))} | ${cell(rs.map((r) => r.generatorCpuSec), 2)} | `
      + `${rs[0].serverReadBytesPerMsg === undefined ? '-'
        : `${fmt(median(rs.map((r) => r.serverReadBytesPerMsg)))} / ${fmt(median(rs.map((r) => r.serverWriteBytesPerMsg)))}`} |`);
  }
  console.log('\nRatios per round (median, min-max):\n');
  console.log('| server | msg/s vs ws | msg/s vs netty | msg/CPU-s vs ws | msg/CPU-s vs netty | msg/s vs duplex no-deflate | msg/CPU-s vs duplex no-deflate |');
  console.log('|---|---|---|---|---|---|---|');
  for (const s of g.keys()) {
    const c = (o, f) => { const xs = ratio(s, o, f); return xs.length ? cell(xs, 2) : '-'; };
    console.log(`| ${s} | ${c('ws', 'msgPerSec')} | ${c('netty', 'msgPerSec')} | ${c('ws', 'msgPerServerCpuSec')} | `
      + `${c('netty', 'msgPerServerCpuSec')} | ${c('duplex-nodeflate', 'msgPerSec')} | ${c('duplex-nodeflate', 'msgPerServerCpuSec')} |`);
  }
} else if (mode === 'memory') {
  const g = group('state');
  const two = rows[0].rssPerConn2 !== undefined;
  console.log(`rounds: ${Math.max(...rows.map((r) => r.round))}, connections: ${rows[0].conns}${two ? ' per batch' : ''}\n`);
  console.log('| state | server | heap bytes/conn | RSS bytes/conn | heap before (MiB) | heap with conns (MiB) | heap after close (MiB) | RSS before (MiB) | RSS with conns (MiB) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const MiB = 1024 * 1024;
  for (const [st, rs] of g) {
    console.log(`| ${st} | ${rs[0].server} | ${cell(rs.map((r) => r.heapPerConn))} | ${cell(rs.map((r) => r.rssPerConn))} | `
      + `${cell(rs.map((r) => r.heapBefore), 1, MiB)} | ${cell(rs.map((r) => r.heapAfter), 1, MiB)} | `
      + `${cell(rs.map((r) => r.heapAfterClose), 1, MiB)} | ${cell(rs.map((r) => r.rssBefore), 0, MiB)} | `
      + `${cell(rs.map((r) => r.rssAfter), 0, MiB)} |`);
  }
  if (!two) process.exit(0);
  // Heap plus RSS outside the heap per connection, against an idle uncompressed connection of the same round:
  // for the first batch (which also pays one-time growth) and for the second batch on top of it (marginal cost).
  const first = (r) => r.heapPerConn + r.rssPerConn;
  const second = (r) => r.heapPerConn2 + r.rssPerConn2;
  const idle = g.get('idle-nodeflate') || [];
  const ratios = (rs, f) => rs.map((r) => [r, idle.find((b) => b.round === r.round)]).filter(([, b]) => b)
    .map(([r, b]) => f(r) / f(b));
  console.log('\n| state | first batch: heap / RSS bytes/conn | heap + RSS | vs idle-nodeflate | second batch: heap / RSS bytes/conn | heap + RSS | vs idle-nodeflate | msgs echoed per conn | server bytes read / written per msg |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [st, rs] of g) {
    const io = rs.flatMap((r) => [r.gen, r.gen2]).filter((x) => x.serverReadBytesPerMsg !== undefined);
    console.log(`| ${st} | ${cell(rs.map((r) => r.heapPerConn))} / ${cell(rs.map((r) => r.rssPerConn))} | `
      + `${cell(rs.map(first))} | ${cell(ratios(rs, first), 2)} | `
      + `${cell(rs.map((r) => r.heapPerConn2))} / ${cell(rs.map((r) => r.rssPerConn2))} | `
      + `${cell(rs.map(second))} | ${cell(ratios(rs, second), 2)} | ${rs[0].gen.echoed / rs[0].gen.conns} | `
      + `${io.length ? `${cell(io.map((x) => x.serverReadBytesPerMsg))} / ${cell(io.map((x) => x.serverWriteBytesPerMsg))}` : '-'} |`);
  }
} else {
  console.error('usage: summarize.mjs throughput|memory FILE');
  process.exit(1);
}
