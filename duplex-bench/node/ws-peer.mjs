// Peer server on `ws`: echo on every path, fan-out on /broadcast.
// Node runs it on one thread (the event loop), so no state here needs a lock.
import { WebSocketServer } from 'ws';
import { BROADCAST_PATH, MAX_MESSAGE_BYTES, parseArgs } from './peer-args.mjs';

const options = parseArgs(process.argv.slice(2));

const server = new WebSocketServer({
  host: options.host,
  port: options.port,
  // ws disables permessage-deflate by default; state it so `--deflate` is the only switch.
  perMessageDeflate: options.deflate,
  maxPayload: MAX_MESSAGE_BYTES,
  // ws keeps its own set of all clients; /broadcast keeps a narrower one below.
  clientTracking: false,
});

/** Connections currently on /broadcast. */
const broadcastGroup = new Set();

server.on('connection', (socket, request) => {
  const path = new URL(request.url, 'http://peer').pathname;
  socket.on('error', () => socket.terminate());
  if (path === BROADCAST_PATH) {
    broadcastGroup.add(socket);
    socket.on('close', () => broadcastGroup.delete(socket));
    socket.on('message', (data, isBinary) => {
      for (const member of broadcastGroup) member.send(data, { binary: isBinary });
    });
  } else {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  }
});

server.on('error', (error) => {
  console.error(`cannot listen on ${options.host}:${options.port}: ${error.message}`);
  process.exit(1);
});

server.on('listening', () => {
  const address = server.address();
  console.log(`listening on ${options.host}:${address.port}`);
});

process.on('SIGTERM', () => {
  for (const member of broadcastGroup) member.terminate();
  server.close(() => process.exit(0));
  // Echo connections are not tracked; do not wait for their peers to hang up.
  setTimeout(() => process.exit(0), 1000).unref();
});
