import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { expect, test } from '@playwright/test';

import { publish, SITE, unique } from './helpers';

/** A second Tribune on its own database with `TRIBUNE_HIDE_EMAIL_TAKEN=on`. */
async function hidingTribune(): Promise<{ origin: string; stop: () => Promise<void> }> {
  const port = await new Promise<number>((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'tribune-hidden-'));
  const origin = `http://127.0.0.1:${port}`;
  const server: ChildProcess = spawn(resolve(process.env.TRIBUNE_BIN ?? '../target/debug/tribune'), ['serve'], {
    env: {
      ...process.env,
      TRIBUNE_DATABASE_URL: join(dir, 'tribune.db'),
      TRIBUNE_BIND: `127.0.0.1:${port}`,
      TRIBUNE_CORS_ORIGINS: SITE,
      TRIBUNE_RATE_LIMITS: 'off',
      TRIBUNE_HIDE_EMAIL_TAKEN: 'on',
      // Nobody listens there: the mail waits in the outbox, which is all this needs.
      TRIBUNE_SMTP_URL: 'smtp://127.0.0.1:9',
      TRIBUNE_MAIL_FROM: 'Kommentare <kommentare@zeitung.de>',
      TRIBUNE_PUBLIC_URL: origin,
      RUST_LOG: 'error',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${origin}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 300) throw new Error('tribune did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    origin,
    stop: async () => {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('with taken addresses hidden, registering in the thread says to check the mail', async ({ page }) => {
  const tribune = await hidingTribune();
  try {
    const article = unique('verdeckt');
    const url = await publish(
      `/${article}.html`,
      `<!doctype html><html lang="de"><head><meta charset="utf-8"><title>${article}</title></head><body>
<div id="tribune-thread" data-tribune-article="${article}"></div><script async src="${tribune.origin}/embed.js"></script></body></html>`,
    );
    await page.goto(url);
    const thread = page.locator('#tribune-thread');
    const username = unique('neu');
    const email = `${username}@example.de`;
    await thread.getByRole('button', { name: 'Registrieren' }).click();
    await thread.getByLabel('Benutzername', { exact: true }).fill(username);
    await thread.getByLabel('E-Mail').fill(email);
    await thread.getByLabel('Passwort').fill('correct horse battery');
    await thread.getByRole('form', { name: 'Registrieren' }).getByRole('button', { name: 'Registrieren' }).click();

    await expect(thread.getByRole('status').filter({ hasText: 'Fast geschafft' })).toHaveText(
      `Fast geschafft: Wir haben einen Link an ${email} geschickt. Öffnen Sie ihn, um Ihre Adresse zu bestätigen, und melden Sie sich dann an.`,
    );
    await expect(thread.getByRole('alert')).toHaveCount(0);
    await expect(thread.getByText(/^Angemeldet als/)).toHaveCount(0);
    await expect(thread.getByRole('button', { name: 'Anmelden' })).toBeVisible();
    // The account exists, unverified: its password does not sign in yet, and no session was kept.
    const login = await fetch(`${tribune.origin}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ login: username, password: 'correct horse battery' }),
    });
    expect(login.status).toBe(401);
    const again = await fetch(`${tribune.origin}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, email: `x${email}`, password: 'correct horse battery' }),
    });
    expect(again.status).toBe(409);
    expect(await page.evaluate((o) => localStorage.getItem(`tribune:${o}:session`), tribune.origin)).toBeNull();
  } finally {
    await tribune.stop();
  }
});
