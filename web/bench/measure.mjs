// Measures the reader's side in Chromium (not a test; nothing is asserted):
//   - container entering the viewport → first page of comments rendered, for a small
//     article (5 comments) and a hot one (500 comments: 100 threads of 1 + 4 replies);
//   - count.js filling 100 counts;
//   - bytes transferred for each (encoded body plus headers, cold cache);
//   - where the time of one more run goes, from a Chromium trace: the page's main thread
//     busy in script, style and layout, paint, or parsing, and the rest waiting (for the
//     network, the other processes, the next frame).
// `node bench/measure.mjs [runs]`, with TRIBUNE_BIN (default ../target/release/tribune).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { chromium } from '@playwright/test';

const runs = Number(process.argv[2] ?? 5);
const binary = resolve(process.env.TRIBUNE_BIN ?? '../target/release/tribune');
const dir = mkdtempSync(join(tmpdir(), 'tribune-bench-'));
const tribune = 'http://127.0.0.1:18431';
const site = 'http://localhost:18432';
const server = spawn(binary, ['serve'], {
  stdio: 'ignore',
  env: { ...process.env, TRIBUNE_DATABASE_URL: join(dir, 'b.db'), TRIBUNE_BIND: '127.0.0.1:18431', TRIBUNE_CORS_ORIGINS: site, TRIBUNE_RATE_LIMITS: 'off' },
});
const pages = new Map();
const publisher = createServer((req, res) => {
  const page = pages.get(req.url);
  res.writeHead(page ? 200 : 404, { 'Content-Type': 'text/html' }).end(page ?? '');
}).listen(18432);

async function call(method, path, token, body) {
  const res = await fetch(`${tribune}/api/v1${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body && JSON.stringify(body),
  });
  return res.json();
}

for (let i = 0; ; i++) {
  try { if ((await fetch(`${tribune}/readyz`)).ok) break; } catch {}
  if (i > 100) throw new Error('tribune did not start');
  await new Promise((r) => setTimeout(r, 100));
}
const readers = [];
for (const name of ['anna_b', 'ben_b', 'carla_b']) {
  readers.push((await call('POST', '/auth/register', null, { username: name, email: `${name}@example.de`, password: 'correct horse battery' })).access_token);
}
const body = 'Ein Kommentar von mittlerer Länge, wie er unter Artikeln steht: mit **etwas** Markdown und einem Gedanken, der zwei Zeilen füllt.';
for (let i = 0; i < 5; i++) await call('POST', '/comments', readers[i % 3], { article: 'klein', body });
for (let t = 0; t < 100; t++) {
  const top = await call('POST', '/comments', readers[t % 3], { article: 'heiss', body });
  for (let r = 0; r < 4; r++) await call('POST', '/comments', readers[(t + r + 1) % 3], { article: 'heiss', body, parent_id: top.id });
}
const spans = Array.from({ length: 100 }, (_, i) => `<li><span data-tribune-count="artikel-${i}">Kommentare</span></li>`).join('');
pages.set('/counts', `<!doctype html><html lang="de"><body><ul>${spans}</ul></body></html>`);
// German pages (the thread's German words come in a file of their own beside the
// bundle), and the small article once more on an English page (bundle only).
const articlePage = (key, lang) => `<!doctype html><html lang="${lang}"><body><div style="height:3000px">Artikel</div>
<div id="tribune-thread" data-tribune-article="${key}"></div><script async src="${tribune}/embed.js"></script></body></html>`;
for (const key of ['klein', 'heiss']) pages.set(`/${key}`, articlePage(key, 'de'));
pages.set('/klein-en', articlePage('klein', 'en'));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

async function measure(path, act, traced = false) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const requests = [];
  page.on('requestfinished', (r) => requests.push(r));
  await page.goto(`${site}${path}`);
  await page.waitForTimeout(300);
  if (traced) await browser.startTracing(page, { categories: ['devtools.timeline', 'blink.user_timing', 'v8', 'toplevel', '__metadata'] });
  const ms = await page.evaluate(act, tribune);
  await page.waitForTimeout(100);
  const trace = traced ? summarise(JSON.parse((await browser.stopTracing()).toString())) : null;
  let bytes = 0;
  for (const r of requests) {
    if (!r.url().startsWith(tribune)) continue;
    const s = await r.sizes();
    bytes += s.responseBodySize + s.responseHeadersSize;
  }
  await context.close();
  return { ms, bytes, requests: requests.filter((r) => r.url().startsWith(tribune)).length, trace };
}

// The main thread's time between the marks `measured-start` and `measured-end`, by kind
// (each event's own time, its children's taken out), in ms.
const KINDS = [
  ['script', /^(EvaluateScript|v8\.|FunctionCall|TimerFire|FireAnimationFrame|RunMicrotasks|BlinkScheduler_PerformMicrotaskCheckpoint|EventDispatch|ScheduledAction|V8\.)/],
  ['style and layout', /^(UpdateLayoutTree|Layout|RecalculateStyles|ParseAuthorStyleSheet|ScheduleStyleRecalculation|InvalidateLayout)$/],
  ['paint', /^(Paint|PrePaint|UpdateLayerTree|Layerize|Commit|CompositeLayers|PaintImage|Decode)/],
  ['HTML parsing', /^ParseHTML$/],
];
function summarise(trace) {
  const events = trace.traceEvents ?? trace;
  const mark = (name) => events.find((e) => e.name === name && e.cat?.includes('blink.user_timing'));
  const [start, end] = [mark('measured-start'), mark('measured-end')];
  if (!start || !end) return null;
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && e.pid === start.pid);
  const inWindow = events
    .filter((e) => e.ph === 'X' && e.pid === start.pid && (!main || e.tid === main.tid) && e.ts >= start.ts && e.ts + (e.dur ?? 0) <= end.ts)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const sums = Object.fromEntries([...KINDS.map(([k]) => [k, 0]), ['other', 0]]);
  const stack = [];
  const others = new Map();
  let busy = 0;
  const close = (until) => {
    while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= until) {
      const e = stack.pop();
      const kind = KINDS.find(([, re]) => re.test(e.name))?.[0] ?? 'other';
      sums[kind] += (e.dur - e.children) / 1000;
      if (kind === 'other') others.set(e.name, (others.get(e.name) ?? 0) + (e.dur - e.children) / 1000);
    }
  };
  for (const e of inWindow) {
    close(e.ts);
    if (stack.length) stack.at(-1).children += e.dur;
    else busy += e.dur / 1000;
    stack.push({ ...e, children: 0 });
  }
  close(Infinity);
  const window = (end.ts - start.ts) / 1000;
  const out = { window };
  for (const [k, v] of Object.entries(sums)) out[k] = v;
  out.waiting = window - busy;
  // The largest of the rest, by name.
  out.largest_other = [...others].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([n, v]) => `${n} ${v.toFixed(1)}`).join(', ');
  return out;
}

// From the scroll that brings the container into view to the frame showing comments.
const thread = () => new Promise((done) => {
  const el = document.getElementById('tribune-thread');
  performance.mark('measured-start');
  const start = performance.now();
  el.scrollIntoView();
  const finish = () => { performance.mark('measured-end'); done(performance.now() - start); };
  const check = () => (el.shadowRoot?.querySelector('.list > li') ? finish() : requestAnimationFrame(check));
  requestAnimationFrame(check);
});
// From adding count.js to every count filled.
const counts = (api) => new Promise((done) => {
  performance.mark('measured-start');
  const start = performance.now();
  const tag = document.createElement('script');
  tag.src = `${api}/count.js`;
  document.head.append(tag);
  const finish = () => { performance.mark('measured-end'); done(performance.now() - start); };
  const check = () => ([...document.querySelectorAll('[data-tribune-count]')].every((e) => /^\d/.test(e.textContent)) ? finish() : requestAnimationFrame(check));
  requestAnimationFrame(check);
});

const results = {};
const traces = {};
for (const [name, path, act] of [['small article (5 comments), German page', '/klein', thread], ['small article, English page', '/klein-en', thread], ['hot article (500 comments), German page', '/heiss', thread], ['count.js, 100 counts', '/counts', counts]]) {
  await measure(path, act); // warm-up
  const all = [];
  for (let i = 0; i < runs; i++) all.push(await measure(path, act));
  const ms = all.map((r) => r.ms).sort((a, b) => a - b);
  results[name] = { median_ms: ms[Math.floor(ms.length / 2)].toFixed(1), min_ms: ms[0].toFixed(1), max_ms: ms.at(-1).toFixed(1), bytes: all[0].bytes, requests: all[0].requests };
  const { trace } = await measure(path, act, true);
  traces[name] = trace && Object.fromEntries(Object.entries(trace).map(([k, v]) => (typeof v === 'number' ? [`${k} ms`, v.toFixed(1)] : [k, v])));
}
console.table(results);
console.log('One more run of each, traced: the page\'s main thread between the start and the end of the measurement.');
console.table(traces);
await browser.close();
publisher.close();
server.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });
