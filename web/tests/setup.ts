/**
 * Starts what the browser tests talk to: the real `tribune` binary on a fresh SQLite
 * database (with an admin created by `tribune user create`), and the publisher's pages
 * on another origin (`http://localhost:P` against Tribune's `http://127.0.0.1:Q`), so
 * every API call the widget makes crosses origins and CORS is exercised.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const SSO_SECRET = 'publisher-secret-for-browser-tests-0123456789';
export const ADMIN = { username: 'chefin', password: 'a long admin password' };

function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

/** The publisher's site: pages the tests put there (`PUT /path`), served back on GET. */
function publisherSite(tribune: string): Server {
  const pages = new Map<string, string>();
  return createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'PUT') {
      let body = '';
      for await (const chunk of req) body += chunk;
      pages.set(path, body);
      res.writeHead(204).end();
      return;
    }
    if (path === '/demo/') {
      // Tribune's own demo page, as a publisher would host it: the snippets point at Tribune.
      const html = await (await fetch(`${tribune}/demo/`)).text();
      pages.set(path, html.replaceAll('src="/', `src="${tribune}/`));
    }
    const page = pages.get(path);
    if (page === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(page);
  });
}

export default async function setup() {
  const binary = resolve(process.env.TRIBUNE_BIN ?? '../target/debug/tribune');
  const dir = mkdtempSync(join(tmpdir(), 'tribune-web-'));
  const [tribunePort, sitePort] = [await freePort(), await freePort()];
  const tribune = `http://127.0.0.1:${tribunePort}`;
  const site = `http://localhost:${sitePort}`;
  const env = {
    ...process.env,
    TRIBUNE_DATABASE_URL: join(dir, 'tribune.db'),
    TRIBUNE_BIND: `127.0.0.1:${tribunePort}`,
    TRIBUNE_CORS_ORIGINS: site,
    TRIBUNE_SSO_SECRET: SSO_SECRET,
    TRIBUNE_RATE_LIMITS: 'off',
    RUST_LOG: 'warn',
  };
  const created = spawnSync(binary, ['user', 'create', '--username', ADMIN.username, '--email', 'chefin@zeitung.de', '--role', 'admin'], {
    env,
    input: `${ADMIN.password}\n`,
  });
  if (created.status !== 0) throw new Error(`tribune user create failed: ${created.stderr}`);
  const server: ChildProcess = spawn(binary, ['serve'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${tribune}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 300) throw new Error('tribune did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const publisher = publisherSite(tribune).listen(sitePort);
  process.env.TRIBUNE = tribune;
  process.env.SITE = site;
  return async () => {
    publisher.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  };
}
