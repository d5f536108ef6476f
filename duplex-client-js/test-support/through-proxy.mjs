// One client behind a proxy, driven by a test over stdin/stdout (ProxyFallbackTest): it connects with the default
// transports (WebSocket first), subscribes to a topic with recovery, and reports each event as a JSON line:
// {"event":"state","state":...,"transport":...}, {"event":"subscribed","recovered":...,"missed":...},
// {"event":"pub","offset":N,"data":...}. A line "close" on stdin ends it.
//
//   node through-proxy.mjs ws://127.0.0.1:PORT/ws TOPIC
import readline from 'node:readline';
import { DuplexClient } from '../src/duplex-client.js';

const [url, topic] = process.argv.slice(2);
const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const client = new DuplexClient(url, {
  reconnect: { initialDelay: 200, factor: 1.5, maxDelay: 1000, jitter: 0.1 },
  heartbeat: { interval: 1000, timeout: 1500 },
  connectTimeout: 3000,
});
client.on('state', (s) => emit({ event: 'state', state: s.state, transport: s.transport ?? null }));
client.subscribe(topic, {
  onSubscribed: (ctx) => emit({ event: 'subscribed', recovered: ctx.recovered ?? null, missed: ctx.missed ?? 0 }),
  onPublication: (p) => emit({ event: 'pub', offset: p.offset, data: p.data }),
}, { recover: true });
client.connect().catch((e) => emit({ event: 'error', message: String(e && e.message) }));
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'close') {
    client.close();
    setTimeout(() => process.exit(0), 100);
  }
});
setTimeout(() => { emit({ event: 'timeout' }); process.exit(2); }, 60000).unref();
