// Node `ws` as a server speaking the interop script, for Duplex's client to test against:
// echoes text and binary; "close:CODE:REASON" closes with that code; "ping-me" pings with "srv-ping" and
// answers the pong with "pong:PAYLOAD"; "frag-me" sends "fragmented ✓😀" in three fragments.
//
//   node ws-server.mjs [--tls-cert cert.pem --tls-key key.pem] [--timeout 30000]
//
// Prints {"listening":PORT} once bound, then {"event":"close","code":N,"reason":S} for each connection
// that ends, and {"event":"ping","payload":S} for each ping received. Exits 0 on SIGTERM, 2 on timeout.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { WebSocketServer } from 'ws';
import { deadline, emit, parseArgs } from './common.mjs';

const FRAGMENTED = 'fragmented ✓😀';
const args = parseArgs(process.argv.slice(2), { timeout: '30000' });
deadline(Number(args.timeout));

const front = args['tls-cert']
  ? https.createServer({ cert: fs.readFileSync(args['tls-cert']), key: fs.readFileSync(args['tls-key']) })
  : http.createServer();
const wss = new WebSocketServer({ server: front, perMessageDeflate: { threshold: 0 }, maxPayload: 64 << 20 });

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? null : data.toString();
    if (text !== null && text.startsWith('close:')) {
      const [, code, ...reason] = text.split(':');
      ws.close(Number(code), reason.join(':'));
    } else if (text === 'ping-me') {
      ws.ping('srv-ping');
    } else if (text === 'frag-me') {
      // Fragment boundaries fall inside multi-byte characters: only the whole message must be valid UTF-8.
      const b = Buffer.from(FRAGMENTED, 'utf8');
      ws.send(b.subarray(0, 12), { binary: false, fin: false });
      ws.send(b.subarray(12, 17), { binary: false, fin: false });
      ws.send(b.subarray(17), { binary: false, fin: true });
    } else {
      ws.send(data, { binary: isBinary });
    }
  });
  ws.on('ping', (payload) => emit({ event: 'ping', payload: payload.toString() }));
  ws.on('pong', (payload) => ws.send('pong:' + payload.toString()));
  ws.on('close', (code, reason) => emit({ event: 'close', code, reason: reason.toString() }));
  ws.on('error', (e) => emit({ event: 'error', error: String(e) }));
});

front.listen(0, '127.0.0.1', () => emit({ listening: front.address().port }));
process.on('SIGTERM', () => process.exit(0));
