// Smoke check of a running peer (any of them, Java or Node): text, binary, 1 MiB and 64 MiB echo,
// and /broadcast reaching two connections including the sender. Usage:
//   node check-peer.mjs [--host 127.0.0.1] [--port 8080] [--deflate]
// With --deflate the client offers permessage-deflate and checks that the peer accepted it.
// Exits 0 when every check passed. Sends a handful of messages only; every wait is bounded.
import { WebSocket } from 'ws';
import { parseArgs } from './peer-args.mjs';

const { host, port, deflate } = parseArgs(process.argv.slice(2));
const base = `ws://${host}:${port}`;
const TIMEOUT_MS = 10_000;

function within(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function connect(path) {
  const socket = new WebSocket(base + path, { maxPayload: 0, perMessageDeflate: deflate });
  return within(new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  }), `connect ${path}`);
}

function nextMessage(socket, what) {
  return within(new Promise((resolve) => {
    socket.once('message', (data, isBinary) => resolve({ data, isBinary }));
  }), what);
}

function expect(condition, what) {
  if (!condition) throw new Error(`failed: ${what}`);
  console.log(`ok: ${what}`);
}

async function echo(socket, payload, binary, what) {
  const reply = nextMessage(socket, what);
  socket.send(payload, { binary });
  const { data, isBinary } = await reply;
  expect(isBinary === binary && Buffer.compare(data, Buffer.from(payload)) === 0, what);
}

const echoSocket = await connect('/any/path');
expect(echoSocket.extensions === (deflate ? 'permessage-deflate' : ''), `extensions '${echoSocket.extensions}'`);
await echo(echoSocket, 'hello duplex', false, 'text echo');
await echo(echoSocket, Buffer.from([0, 1, 2, 254, 255]), true, 'binary echo');
const oneMiB = Buffer.alloc(1 << 20, 0).map((_, i) => i * 31);
await echo(echoSocket, oneMiB, true, '1 MiB binary echo');
const sixtyFourMiB = Buffer.alloc(64 << 20, 7);
await echo(echoSocket, sixtyFourMiB, true, '64 MiB binary echo');
echoSocket.close();

// On the Java peers a connection joins the group on its own thread just after the 101 response, so a
// message from another connection can race the join. A join message that comes back to its sender
// proves membership; the same order of joins is what a benchmark client should use.
async function join(path, name, alreadyIn) {
  const socket = await connect(path);
  const seen = [socket, ...alreadyIn].map((member) => nextMessage(member, `${name} join seen`));
  socket.send(`join ${name}`);
  for (const { data } of await Promise.all(seen)) {
    expect(data.toString() === `join ${name}`, `join ${name} reaches every member`);
  }
  return socket;
}

const sender = await join('/broadcast', 'sender', []);
const listener = await join('/broadcast', 'listener', [sender]);
const atSender = nextMessage(sender, 'broadcast at sender');
const atListener = nextMessage(listener, 'broadcast at listener');
sender.send('to everyone');
const [mine, theirs] = await Promise.all([atSender, atListener]);
expect(!mine.isBinary && mine.data.toString() === 'to everyone', 'broadcast reaches the sender');
expect(!theirs.isBinary && theirs.data.toString() === 'to everyone', 'broadcast reaches the other');
sender.close();
listener.close();
console.log('all checks passed');
