/**
 * Starts what the browser tests talk to: the real `tribune` binary on a fresh SQLite
 * database (with an admin created by `tribune user create`), and the publisher's pages
 * on another origin (`http://localhost:P` against Tribune's `http://127.0.0.1:Q`), so
 * every API call the widget makes crosses origins and CORS is exercised.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
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

/**
 * A mail sink speaking just enough SMTP for Tribune's client (EHLO, MAIL, RCPT, DATA,
 * QUIT; no TLS, as `TRIBUNE_SMTP_URL=smtp://…` asks): every message, raw, in `mails`.
 */
function smtpSink(mails: { to: string[]; raw: string }[]): TcpServer {
  return createTcpServer((socket) => {
    let buffer = '';
    let data: string | null = null;
    let to: string[] = [];
    socket.setEncoding('utf8');
    socket.write('220 sink ESMTP\r\n');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (data !== null) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          data += buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          mails.push({ to, raw: data });
          data = null;
          to = [];
          socket.write('250 OK queued\r\n');
          continue;
        }
        const line = buffer.indexOf('\r\n');
        if (line < 0) return;
        const command = buffer.slice(0, line);
        buffer = buffer.slice(line + 2);
        const verb = command.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-sink\r\n250 8BITMIME\r\n');
        else if (verb === 'RCPT') {
          to.push(command.replace(/^RCPT TO:\s*<?([^>]*)>?.*$/i, '$1'));
          socket.write('250 OK\r\n');
        } else if (verb === 'DATA') {
          data = '';
          socket.write('354 go on\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
    socket.on('error', () => undefined);
  });
}

/**
 * The publisher's site: pages the tests put there (`PUT /path`), served back on GET;
 * and `GET /__mail`, what the mail sink received (JSON), for the specs of mailed links.
 */
function publisherSite(tribune: string, mails: { to: string[]; raw: string }[]): Server {
  const pages = new Map<string, string>();
  return createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/__mail') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(mails));
      return;
    }
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
  const [tribunePort, sitePort, smtpPort] = [await freePort(), await freePort(), await freePort()];
  const mails: { to: string[]; raw: string }[] = [];
  const sink = smtpSink(mails).listen(smtpPort, '127.0.0.1');
  const tribune = `http://127.0.0.1:${tribunePort}`;
  const site = `http://localhost:${sitePort}`;
  const env = {
    ...process.env,
    TRIBUNE_DATABASE_URL: join(dir, 'tribune.db'),
    TRIBUNE_BIND: `127.0.0.1:${tribunePort}`,
    TRIBUNE_CORS_ORIGINS: site,
    TRIBUNE_SSO_SECRET: SSO_SECRET,
    TRIBUNE_RATE_LIMITS: 'off',
    TRIBUNE_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    TRIBUNE_MAIL_FROM: 'Kommentare <kommentare@zeitung.de>',
    TRIBUNE_PUBLIC_URL: tribune,
    // Reply mails go at once (no batch window) in the browser tests.
    TRIBUNE_NOTIFY_BATCH_SECS: '0',
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
  const publisher = publisherSite(tribune, mails).listen(sitePort);
  process.env.TRIBUNE = tribune;
  process.env.SITE = site;
  // For specs that run a command on the service's database (`tribune import`).
  process.env.TRIBUNE_BIN_USED = binary;
  process.env.TRIBUNE_DATABASE_USED = env.TRIBUNE_DATABASE_URL;
  return async () => {
    publisher.close();
    sink.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  };
}
