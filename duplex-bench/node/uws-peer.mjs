// Peer server on uWebSockets (npm package `uwebsockets`): echo on every path, pub/sub on /broadcast.
// uWS calls every handler on the one thread that runs the Node event loop; nothing here is shared
// across threads.
import { createRequire } from 'node:module';
import { BROADCAST_PATH, MAX_MESSAGE_BYTES, parseArgs } from './peer-args.mjs';

const uWS = createRequire(import.meta.url)('uwebsockets');
const options = parseArgs(process.argv.slice(2));
const TOPIC = 'broadcast';

const common = {
  compression: options.deflate ? uWS.SHARED_COMPRESSOR : uWS.DISABLED,
  maxPayloadLength: MAX_MESSAGE_BYTES,
  // 0 disables the idle timeout, so no automatic pings are needed either.
  idleTimeout: 0,
  sendPingsAutomatically: false,
  // uWS skips (drops for) a subscriber whose buffered bytes exceed maxBackpressure, 64 KiB by
  // default. A benchmark peer must not drop, so allow several maximal messages to queue.
  maxBackpressure: 4 * MAX_MESSAGE_BYTES,
  closeOnBackpressureLimit: false,
};

const app = uWS.App()
  // The static route wins over the wildcard in uWS's router.
  .ws(BROADCAST_PATH, {
    ...common,
    open: (ws) => ws.subscribe(TOPIC),
    // app.publish reaches every subscriber, the sender included (ws.publish would skip it).
    message: (ws, message, isBinary) => app.publish(TOPIC, message, isBinary, true),
  })
  .ws('/*', {
    ...common,
    message: (ws, message, isBinary) => ws.send(message, isBinary, true),
  });

let listenSocket = null;
app.listen(options.host, options.port, (token) => {
  if (!token) {
    console.error(`cannot listen on ${options.host}:${options.port}`);
    process.exit(1);
  }
  listenSocket = token;
  console.log(`listening on ${options.host}:${uWS.us_socket_local_port(token)}`);
});

process.on('SIGTERM', () => {
  if (listenSocket) uWS.us_listen_socket_close(listenSocket);
  app.close();
  process.exit(0);
});
