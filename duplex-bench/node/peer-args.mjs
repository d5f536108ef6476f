// Command-line flags shared by the Node peers; the same names and defaults as the Java peers
// (io.duplex.bench.peers.PeerOptions). Pure function of argv: no I/O, safe to call anywhere.

/** Largest message a peer accepts; the contract asks for at least 64 MiB, we leave headroom. */
export const MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

/** Path whose messages fan out to every connection on it; all other paths echo. */
export const BROADCAST_PATH = '/broadcast';

export function parseArgs(argv) {
  const options = { host: '127.0.0.1', port: 8080, deflate: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--host') options.host = value();
    else if (flag === '--port') options.port = parsePort(value());
    else if (flag === '--deflate') options.deflate = true;
    // Accepted so that one command line fits every peer; Node peers run on one thread over libuv/uWS.
    else if (flag === '--threads') value();
    else if (flag === '--epoll') continue;
    else throw new Error(`unknown flag ${flag}; expected --host H --port P [--deflate]`);
  }
  return options;
}

function parsePort(text) {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port ${text}`);
  return port;
}
