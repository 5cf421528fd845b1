// Measures the moderation console in Chromium (not a test; nothing is asserted):
//   - a queue of 100 pending cards: from navigation start (console page opened, session
//     already stored) to the frame in which all 100 cards are in the document;
//   - a decision: from the `a` key on the focused card to the next card focused (the
//     approval, the queue read again, the cards rendered again, the focus moved).
// `node bench/console.mjs [runs] [decisions per run]`, with TRIBUNE_BIN (default
// ../target/release/tribune): a fresh SQLite database, one warm-up run, then `runs`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { chromium } from '@playwright/test';

const runs = Number(process.argv[2] ?? 5);
const decisions = Number(process.argv[3] ?? 10);
const binary = resolve(process.env.TRIBUNE_BIN ?? '../target/release/tribune');
const dir = mkdtempSync(join(tmpdir(), 'tribune-console-bench-'));
const tribune = 'http://127.0.0.1:18441';
const env = { ...process.env, TRIBUNE_DATABASE_URL: join(dir, 'b.db'), TRIBUNE_BIND: '127.0.0.1:18441', TRIBUNE_RATE_LIMITS: 'off', RUST_LOG: 'warn' };
const load = [loadavg()];

const created = spawnSync(binary, ['user', 'create', '--username', 'chefin', '--email', 'chefin@example.de', '--role', 'admin'], { env, input: 'a long admin password\n' });
if (created.status !== 0) throw new Error(`user create failed: ${created.stderr}`);
const server = spawn(binary, ['serve'], { stdio: 'ignore', env });

async function call(method, path, token, body) {
  const res = await fetch(`${tribune}/api/v1${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body && JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

for (let i = 0; ; i++) {
  try { if ((await fetch(`${tribune}/readyz`)).ok) break; } catch {}
  if (i > 100) throw new Error('tribune did not start');
  await new Promise((r) => setTimeout(r, 100));
}
const admin = (await call('POST', '/auth/login', null, { login: 'chefin', password: 'a long admin password' })).access_token;
const password = 'correct horse battery';
const mod = await call('POST', '/auth/register', null, { username: 'mod_bench', email: 'mod@example.de', password });
await call('PUT', `/admin/users/${mod.user.id}/role`, admin, { role: 'moderator' });
// Twenty authors, so the cards ask for twenty standings, as on a real desk.
const authors = [];
for (let i = 0; i < 20; i++) {
  authors.push((await call('POST', '/auth/register', null, { username: `leser_${i}`, email: `leser_${i}@example.de`, password })).access_token);
}
const body = 'Ein Kommentar von mittlerer Länge, wie er unter Artikeln steht: mit **etwas** Markdown und einem Gedanken, der zwei Zeilen füllt.';
async function hold(article, n) {
  await call('PUT', `/mod/articles?article=${article}`, admin, { moderation: 'pre', title: `Artikel ${article}`, url: `https://www.example.de/${article}` });
  for (let i = 0; i < n; i++) await call('POST', '/comments', authors[i % authors.length], { article, body: `${body} (${i})` });
}
await hold('zeigen', 100);
// Enough that the decided queue still shows 100 cards after every decision of every run.
await hold('entscheiden', 100 + (runs + 1) * decisions);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

/** A fresh context (cold cache) whose console already holds the moderator's session. */
async function consolePage() {
  const pair = await call('POST', '/auth/login', null, { login: 'mod_bench', password });
  const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  await context.addInitScript(([key, stored]) => localStorage.setItem(key, stored), [
    `tribune:${tribune}:session`,
    JSON.stringify({ access: pair.access_token, refresh: pair.refresh_token, expires: Date.now() + pair.expires_in * 1000, user: pair.user }),
  ]);
  return { context, page: await context.newPage() };
}

// From navigation start to the frame with 100 cards.
async function showQueue() {
  const { context, page } = await consolePage();
  await page.goto(`${tribune}/moderate/?lang=de#/queue?article=zeigen`, { waitUntil: 'commit' });
  const ms = await page.evaluate(() => new Promise((done) => {
    const check = () => (document.querySelectorAll('.card').length >= 100 ? done(performance.now()) : requestAnimationFrame(check));
    check();
  }));
  await context.close();
  return [ms];
}

// From the `a` key on the focused card to the next card focused, `decisions` times.
async function decide() {
  const { context, page } = await consolePage();
  await page.goto(`${tribune}/moderate/?lang=de#/queue?article=entscheiden`);
  await page.waitForFunction(() => document.querySelectorAll('.card').length >= 100);
  await page.waitForTimeout(300);
  await page.evaluate(() => document.querySelector('.card').focus());
  const times = [];
  for (let i = 0; i < decisions; i++) {
    times.push(await page.evaluate(() => new Promise((done) => {
      const card = document.activeElement;
      const start = performance.now();
      card.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
      const check = () => {
        const now = document.activeElement;
        if (now?.classList.contains('card') && now.dataset.comment !== card.dataset.comment) done(performance.now() - start);
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    })));
    await page.waitForTimeout(200);
  }
  await context.close();
  return times;
}

const results = {};
for (const [name, act] of [['queue of 100 cards shown', showQueue], ['decision → next card focused', decide]]) {
  await act(); // warm-up
  const all = [];
  for (let i = 0; i < runs; i++) all.push(...(await act()));
  const ms = all.sort((a, b) => a - b);
  results[name] = { samples: ms.length, median_ms: ms[Math.floor(ms.length / 2)].toFixed(1), min_ms: ms[0].toFixed(1), max_ms: ms.at(-1).toFixed(1) };
}
load.push(loadavg());
console.table(results);
console.log(`machine: ${cpus().length} × ${cpus()[0].model}; load average (1, 5, 15 min) before ${load[0].map((l) => l.toFixed(2)).join(', ')}, after ${load[1].map((l) => l.toFixed(2)).join(', ')}`);
console.log(`binary: ${binary}`);
await browser.close();
server.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });
