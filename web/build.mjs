// Builds web/dist from web/src and web/pages: the thread bundle under a content hash,
// the loader that names it (/embed.js), the count script (/count.js), the pages, and the
// moderation console (/moderate/: its page naming its content-hashed bundle), and the
// account pages that mailed links open (/account/…: one page, its hashed bundle).
// `node build.mjs` — the output is committed and embedded in the binary.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

import { build } from 'esbuild';

const common = {
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  legalComments: 'none',
  write: false,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  charset: 'utf8',
};

async function bundle(entry, define = {}) {
  const result = await build({ ...common, entryPoints: [entry], define });
  return result.outputFiles[0].contents;
}

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist/embed', { recursive: true });

// Each language but English (the thread's fallback, inside it) in a file of its own,
// loaded only by pages that show it.
const langFiles = {};
for (const lang of ['de', 'vi']) {
  const texts = await bundle(`src/i18n/lang-${lang}.ts`);
  const file = `lang-${lang}-${createHash('sha256').update(texts).digest('hex').slice(0, 10)}.js`;
  writeFileSync(`dist/embed/${file}`, texts);
  langFiles[lang] = file;
}
const thread = await bundle('src/embed/thread/index.tsx', { LANG_FILES: JSON.stringify(langFiles) });
const hash = createHash('sha256').update(thread).digest('hex').slice(0, 10);
const threadFile = `thread-${hash}.js`;
writeFileSync(`dist/embed/${threadFile}`, thread);
const loader = await bundle('src/embed/loader.ts', {
  THREAD_FILE: JSON.stringify(threadFile),
  LANG_FILES: JSON.stringify(langFiles),
});
writeFileSync('dist/embed.js', loader);
const count = await bundle('src/count/count.ts');
writeFileSync('dist/count.js', count);
cpSync('pages', 'dist', { recursive: true });
const consoleJs = await bundle('src/console/index.tsx');
const consoleFile = `console-${createHash('sha256').update(consoleJs).digest('hex').slice(0, 10)}.js`;
mkdirSync('dist/moderate', { recursive: true });
writeFileSync(`dist/moderate/${consoleFile}`, consoleJs);
writeFileSync('dist/moderate/index.html', readFileSync('src/console/index.html', 'utf8').replace('CONSOLE_FILE', consoleFile));

const accountJs = await bundle('src/account/index.ts');
const accountFile = `account-${createHash('sha256').update(accountJs).digest('hex').slice(0, 10)}.js`;
mkdirSync('dist/account', { recursive: true });
writeFileSync(`dist/account/${accountFile}`, accountJs);
writeFileSync('dist/account/index.html', readFileSync('src/account/index.html', 'utf8').replace('ACCOUNT_FILE', accountFile));

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
console.log(`embed.js ${loader.length} B (${gz(loader)} B gzip)`);
console.log(`embed/${threadFile} ${thread.length} B (${gz(thread)} B gzip)`);
for (const file of Object.values(langFiles)) {
  const texts = readFileSync(`dist/embed/${file}`);
  console.log(`embed/${file} ${texts.length} B (${gz(texts)} B gzip)`);
}
console.log(`count.js ${count.length} B (${gz(count)} B gzip)`);
console.log(`moderate/${consoleFile} ${consoleJs.length} B (${gz(consoleJs)} B gzip)`);
console.log(`account/${accountFile} ${accountJs.length} B (${gz(accountJs)} B gzip)`);
