// Shared by the Node peers: command-line flags, JSON-lines reporting and the overall deadline.

/** Parses `--name value` pairs; every flag takes a value. */
export function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    if (!name.startsWith('--') || i + 1 >= argv.length) {
      fail(`bad argument ${name}; flags are --name value`);
    }
    out[name.slice(2)] = argv[i + 1];
  }
  return out;
}

/** One JSON object per line on stdout: what the Java test reads. */
export function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

export function fail(message) {
  emit({ done: true, ok: false, error: String(message) });
  process.exit(1);
}

/** Exits with status 2 after `ms` whatever is going on, so a hung peer never outlives its test. */
export function deadline(ms) {
  const t = setTimeout(() => {
    emit({ done: true, ok: false, error: `timed out after ${ms} ms` });
    process.exit(2);
  }, ms);
  t.unref();
}

export function sameBytes(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/** Deterministic bytes so a mismatch is reproducible. */
export function pattern(n, seed) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}
