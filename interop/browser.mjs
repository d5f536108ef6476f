// Drives headless Chromium (the system's, through playwright-core) to a page that runs its own WebSocket
// checks and leaves the outcome in `window.interopResult` as {checks: [{check, ok, ...}], done: true}.
//
//   node browser.mjs --url http://127.0.0.1:PORT/interop.html [--chromium /usr/bin/chromium] [--timeout 30000]
//
// Prints the page's checks as JSON lines and a final {"done":true,"ok":BOOL}; the page's console goes to
// stderr. Exit status: 0 all checks passed, 1 a check failed, 2 timed out. Uses a fresh, empty profile
// directory that it removes afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { deadline, emit, fail, parseArgs } from './common.mjs';

const args = parseArgs(process.argv.slice(2), { chromium: '/usr/bin/chromium', timeout: '30000' });
if (!args.url) fail('--url is required');
const timeout = Number(args.timeout);
deadline(timeout + 5000);

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'duplex-chromium-'));
let context;
let ok = false;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: args.chromium,
    headless: true,
    timeout,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.on('console', (m) => process.stderr.write(`[page ${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => process.stderr.write(`[page error] ${e}\n`));
  await page.goto(args.url, { timeout });
  await page.waitForFunction(() => window.interopResult && window.interopResult.done, null, { timeout });
  const result = await page.evaluate(() => window.interopResult);
  for (const c of result.checks) emit(c);
  ok = result.checks.length > 0 && result.checks.every((c) => c.ok);
} catch (e) {
  emit({ check: 'driver', ok: false, error: String(e && e.message || e) });
} finally {
  if (context) await context.close().catch(() => {});
  fs.rmSync(profile, { recursive: true, force: true });
}
emit({ done: true, ok });
process.exit(ok ? 0 : 1);
