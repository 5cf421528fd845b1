import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';

import { adminToken, api, articlePage, publish, shot, SITE, unique } from './helpers';

/** The first match of `pattern` in the mails to `address` (waits for one). */
async function mailed(address: string, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const mails: { to: string[]; raw: string }[] = await (await fetch(`${SITE}/__mail`)).json();
    for (const mail of mails.filter((m) => m.to.includes(address)).reverse()) {
      // Quoted-printable soft breaks and `=3D`, or base64 parts: try each reading.
      const qp = mail.raw.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      const b64 = mail.raw.split(/\r\n\r\n/).map((part) => Buffer.from(part.replace(/\s+/g, ''), 'base64').toString('utf8')).join('\n');
      const found = [qp, b64, mail.raw].map((text) => pattern.exec(text)?.[0]).find(Boolean);
      if (found) return found;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${address} matching ${pattern}`);
}

test('a reader follows the mailed statement of reasons to the article and appeals there', async ({ page }) => {
  const admin = await adminToken();
  const username = unique('einspruch');
  const email = `${username}@example.de`;
  const password = 'correct horse battery';
  const registered = await api('POST', '/auth/register', undefined, { username, email, password, language: 'de' });
  expect(registered.status).toBe(201);
  const token = await mailed(email, /#token=[A-Za-z0-9_.-]+/);
  expect((await api('POST', '/auth/verify-email', undefined, { token: token.slice('#token='.length) })).status).toBe(204);

  // The publisher's article page, whose URL Tribune knows.
  const article = unique('artikel');
  const url = await publish(`/${article}.html`, articlePage(article, { lang: 'de' }));
  expect((await api('PUT', `/mod/articles?article=${article}`, admin, { title: 'Haushalt 2027', url })).status).toBe(200);
  // The word list rejects the comment at once (a moderator's decision waits out its undo window).
  const word = unique('verboten');
  const before = (await api('GET', '/admin/settings', admin)).body;
  expect((await api('PUT', '/admin/settings', admin, { banned_words: [...before.banned_words, word] })).status).toBe(200);
  try {
    const posted = await api('POST', '/comments', registered.body.access_token, { article, body: `Das ist ${word}.` });
    expect(posted.status).toBe(201);
    expect(posted.body.status).toBe('rejected');
  } finally {
    await api('PUT', '/admin/settings', admin, { banned_words: before.banned_words });
  }

  const link = await mailed(email, /http:\/\/localhost:\d+\/[\w-]+\.html#tribune-decisions/);
  expect(link).toBe(`${url}#tribune-decisions`);
  await page.goto(link);
  const thread = page.locator('#tribune-thread');
  const panel = thread.getByRole('region', { name: 'Entscheidungen über Sie' });
  await expect(panel).toContainText('Melden Sie sich an, um die Entscheidungen über Sie zu sehen');
  await thread.getByRole('button', { name: 'Anmelden' }).click();
  await thread.getByLabel('Benutzername oder E-Mail').fill(username);
  await thread.getByLabel('Passwort').fill(password);
  await thread.getByRole('form', { name: 'Anmelden' }).getByRole('button', { name: 'Anmelden' }).click();

  await expect(panel).toContainText('Ihr Kommentar wurde automatisch abgelehnt');
  await expect(panel).toContainText('zu „Haushalt 2027“');
  await expect(panel).toContainText(`Das ist ${word}.`);
  await expect(panel).toContainText('Grund: Er enthält ein Wort, das die Diskussionsregeln nicht erlauben.');
  await expect(panel).toContainText('Automatisch entschieden.');
  await expect(panel).toContainText(/Sie können bis .+ Einspruch einlegen\./);
  const axe = await new AxeBuilder({ page }).include('#tribune-thread').analyze();
  const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);

  await panel.getByLabel('Ihr Einspruch: Warum soll die Entscheidung geprüft werden?').fill('Das Wort war ein Zitat.');
  await panel.getByRole('button', { name: 'Einspruch senden' }).click();
  await expect(thread.getByRole('status').first()).toHaveText('Ihr Einspruch ist eingegangen. Ihn prüft jemand, der die Entscheidung nicht getroffen hat.');
  await expect(panel).toContainText('Ihr Einspruch wartet auf die Moderation.');
  await panel.screenshot({ path: shot('thread-decisions') });
  await expect(panel.getByRole('button', { name: 'Einspruch senden' })).toHaveCount(0);

  // The appeal reached the moderators' queue.
  const queue = await api('GET', '/mod/appeals?limit=100', admin);
  const filed = queue.body.items.find((a: any) => a.appellant?.username === username);
  expect(filed?.text).toBe('Das Wort war ein Zitat.');
  const decisions = await api('GET', '/me/decisions', registered.body.access_token);
  expect(decisions.body.items[0].appeal.state).toBe('open');
});

test('the reader opens "Decisions about you" from their menu', async ({ page }) => {
  const username = unique('menu');
  const password = 'correct horse battery';
  const registered = await api('POST', '/auth/register', undefined, { username, email: `${username}@example.de`, password });
  expect(registered.status).toBe(201);
  const url = await publish(`/${unique('m')}.html`, articlePage(unique('artikel')));
  await page.goto(url);
  const thread = page.locator('#tribune-thread');
  await thread.getByRole('button', { name: 'Sign in' }).click();
  await thread.getByLabel('Username or email').fill(username);
  await thread.getByLabel('Password').fill(password);
  await thread.getByRole('form', { name: 'Sign in' }).getByRole('button', { name: 'Sign in' }).click();
  const open = thread.getByRole('button', { name: 'Decisions about you' });
  await open.click();
  await expect(open).toHaveAttribute('aria-expanded', 'true');
  const panel = thread.getByRole('region', { name: 'Decisions about you' });
  await expect(panel).toContainText('There are no decisions about you.');
  await expect(panel.getByRole('heading', { name: 'Decisions about you' })).toBeFocused();
  await panel.getByRole('button', { name: 'Close' }).click();
  await expect(panel).toHaveCount(0);
});
