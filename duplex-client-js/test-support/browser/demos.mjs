// Drives the demo pages in headless Chromium (the system's, through playwright-core) as a user would, and
// reports what the user would see, one JSON line per observation; DemoPagesTest (duplex-server) asserts on it.
//
//   node demos.mjs --base http://127.0.0.1:PORT --demo chat|notifications|market [--shots DIR]
//                  [--chromium /usr/bin/chromium] [--timeout 10000]
//
// Lines: {"observe": NAME, ...} for each observation; {"push": {topic, data}, "seq": N} asks the test to publish
// through the HTTP API, and the driver waits for {"pushed": N} on stdin; last {"done": true, "ok": BOOL}. Every
// wait is bounded by --timeout and the whole run by a deadline. Each user gets a browser of their own with a
// fresh, empty profile directory, launched as interop/browser.mjs launches it, and removed afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const interop = path.resolve(here, '../../../interop');
const { deadline, emit, fail, parseArgs } = await import(path.join(interop, 'common.mjs'));
const { chromium } = await loadPlaywright();

const args = parseArgs(process.argv.slice(2), { chromium: '/usr/bin/chromium', timeout: '10000', shots: '' });
if (!args.base || !args.demo) fail('--base and --demo are required');
const timeout = Number(args.timeout);
deadline(12 * timeout + 30000);

/** playwright-core from duplex-client-js's devDependencies when installed, else interop/'s. */
async function loadPlaywright() {
  try {
    return await import('playwright-core');
  } catch {
    return createRequire(path.join(interop, 'package.json'))('playwright-core');
  }
}

const browsers = [];

async function browserFor(user) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'duplex-demo-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: args.chromium,
    headless: true,
    timeout,
    viewport: { width: 1100, height: 720 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  browsers.push({ context, profile });
  const page = context.pages()[0] ?? await context.newPage();
  watch(page, user);
  return { context, page };
}

function watch(page, user) {
  page.on('console', (m) => process.stderr.write(`[${user} ${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => {
    process.stderr.write(`[${user} page error] ${e}\n`);
    emit({ observe: 'page-error', user, error: String(e) });
  });
}

/** Waits until `fn(arg)` is truthy in the page; false (not an exception) when the time runs out. */
async function until(page, fn, arg, ms = timeout) {
  try {
    await page.waitForFunction(fn, arg, { timeout: ms, polling: 50 });
    return true;
  } catch {
    return false;
  }
}

const texts = (page, selector) => page.$$eval(selector, (els) => els.map((e) => e.textContent.trim()));

async function shot(page, name) {
  if (!args.shots) return;
  fs.mkdirSync(args.shots, { recursive: true });
  await page.screenshot({ path: path.join(args.shots, `${name}.png`), timeout });
}

// ------------------------------------------------------------------ the test asks for publications

const input = readline.createInterface({ input: process.stdin });
const answers = [];
const waiting = [];
input.on('line', (line) => {
  const w = waiting.shift();
  if (w) w(line);
  else answers.push(line);
});
let seq = 0;

async function push(topic, data) {
  const n = ++seq;
  emit({ push: { topic, data }, seq: n });
  const line = answers.shift() ?? await new Promise((resolve, reject) => {
    waiting.push(resolve);
    setTimeout(() => reject(new Error(`no answer to push ${n} within ${timeout} ms`)), timeout).unref();
  });
  const a = JSON.parse(line);
  if (a.pushed !== n || a.status !== 200) throw new Error(`push ${n} failed: ${line}`);
}

// ------------------------------------------------------------------ chat

async function joinChat(user) {
  const { page, context } = await browserFor(user);
  await page.goto(`${args.base}/demo/chat.html`, { timeout });
  await page.fill('#name', user, { timeout });
  await page.click('#login button', { timeout });
  return { page, context };
}

const peopleHave = (names) => {
  const shown = [...document.querySelectorAll('#people li')].map((li) => li.textContent.trim());
  return names.every((n) => shown.includes(n));
};
const logHas = (words) => {
  const shown = [...document.querySelectorAll('#log li .text')].map((li) => li.textContent);
  return words.every((w) => shown.includes(w));
};

async function say(page, text) {
  await page.fill('#text', text, { timeout });
  await page.press('#text', 'Enter', { timeout });
}

async function chat() {
  const alice = await joinChat('alice');
  const bob = await joinChat('bob');
  for (const [who, other, p] of [['alice', 'bob', alice.page], ['bob', 'alice', bob.page]]) {
    const seen = await until(p, peopleHave, [who, other]);
    emit({ observe: 'presence', user: who, waited: seen, people: await texts(p, '#people li') });
  }
  await say(alice.page, 'hello from alice');
  let seen = await until(bob.page, logHas, ['hello from alice']);
  emit({ observe: 'message', from: 'alice', to: 'bob', waited: seen, log: await texts(bob.page, '#log li .text') });
  await say(bob.page, 'hi alice, bob here');
  seen = await until(alice.page, logHas, ['hi alice, bob here']);
  emit({ observe: 'message', from: 'bob', to: 'alice', waited: seen, log: await texts(alice.page, '#log li .text') });

  const carol = await joinChat('carol');
  seen = await until(carol.page, logHas, ['hello from alice', 'hi alice, bob here']);
  emit({ observe: 'history', user: 'carol', waited: seen, log: await texts(carol.page, '#log li .text'),
    fromHistory: await texts(carol.page, '#log li.history .text'), people: await texts(carol.page, '#people li') });
  seen = await until(alice.page, peopleHave, ['carol']);
  emit({ observe: 'presence', user: 'alice', waited: seen, people: await texts(alice.page, '#people li') });
  await say(carol.page, 'carol says hi');
  await until(alice.page, logHas, ['carol says hi']);
  await shot(alice.page, 'chat');

  await carol.context.close(); // carol closes her browser: the others see her leave
  seen = await until(alice.page, () => ![...document.querySelectorAll('#people li')]
    .some((li) => li.textContent.trim() === 'carol'));
  emit({ observe: 'left', user: 'alice', waited: seen, people: await texts(alice.page, '#people li') });
}

// ------------------------------------------------------------------ notifications

const titles = (page) => page.$$eval('#list li', (els) => els.map((li) => ({
  title: li.querySelector('.title').textContent, className: li.className, missed: !!li.querySelector('.missed'),
})));

async function notifications() {
  const user = 'dora';
  const { context, page } = await browserFor(user);
  await page.goto(`${args.base}/demo/notifications.html`, { timeout });
  await page.fill('#name', user, { timeout });
  await page.click('#login button', { timeout });
  const ready = await until(page, () => document.getElementById('inbox').dataset.subscribed === 'true');
  emit({ observe: 'curl', waited: ready, text: await page.textContent('#curl', { timeout }) });

  await push(`notify.${user}`, { title: 'Deploy finished', body: 'api v2.3 is live', priority: 'high' });
  await push(`notify.${user}`, { title: 'Weekly digest', priority: 'low' });
  let seen = await until(page, (n) => document.querySelectorAll('#list li').length >= n, 2);
  emit({ observe: 'live', waited: seen, items: await titles(page) });

  // The user closes the page; two arrive while it is closed; the user comes back.
  const blank = await context.newPage();
  await page.close();
  await push(`notify.${user}`, { title: 'Invoice paid', priority: 'normal' });
  await push(`notify.${user}`, { title: 'Disk almost full', body: '92% on db-1', priority: 'high' });
  const again = await context.newPage();
  watch(again, user);
  await again.goto(`${args.base}/demo/notifications.html`, { timeout });
  seen = await until(again, (n) => document.querySelectorAll('#list li').length >= n, 4);
  emit({ observe: 'recovered', waited: seen, items: await titles(again),
    status: await again.textContent('#status', { timeout }),
    recovery: await again.$eval('#inbox', (e) => e.dataset.recovery ?? null) });
  await shot(again, 'notifications');
  await blank.close();
}

// ------------------------------------------------------------------ market

async function market() {
  const { page } = await browserFor('viewer');
  const start = Date.now();
  await page.goto(`${args.base}/demo/market.html`, { timeout });
  const canvas = () => document.getElementById('chart').toDataURL();
  const allRows = await until(page, () => window.marketStats().rowsPainted === 50, null, 3000);
  const readyMs = Date.now() - start;
  const chart1 = await page.evaluate(canvas);
  const prices1 = await texts(page, '#ticker tbody td:nth-child(2)');
  await page.waitForTimeout(1000);
  const chart2 = await page.evaluate(canvas);
  const prices2 = await texts(page, '#ticker tbody td:nth-child(2)');
  emit({ observe: 'ticker', waited: allRows, readyMs, rows: prices2.length,
    rowsChanged: prices2.filter((p, i) => p !== prices1[i] && p !== '–').length, chartChanged: chart1 !== chart2,
    stats: await page.evaluate(() => window.marketStats()) });
  await page.click('#ticker tbody tr:nth-child(7)', { timeout }); // another symbol in the chart
  await page.waitForTimeout(3000); // frames to measure, with ticks coming all along
  emit({ observe: 'frames', selected: await page.textContent('#selected', { timeout }),
    stats: await page.evaluate(() => window.marketStats()) });
  await shot(page, 'market');
}

// ------------------------------------------------------------------

let ok = false;
try {
  const demos = { chat, notifications, market };
  if (!demos[args.demo]) throw new Error(`unknown demo ${args.demo}`);
  await demos[args.demo]();
  ok = true;
} catch (e) {
  emit({ observe: 'driver-error', error: String(e && e.stack || e) });
} finally {
  for (const b of browsers) {
    await b.context.close().catch(() => {});
    fs.rmSync(b.profile, { recursive: true, force: true });
  }
  input.close();
}
emit({ done: true, ok });
process.exit(ok ? 0 : 1);
