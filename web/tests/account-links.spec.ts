import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';

import { api, openThread, SITE, TRIBUNE, unique } from './helpers';

/** The mailed link to `path` in the newest mail to `address` (waits for it). */
async function mailedLink(address: string, path: string): Promise<string> {
  const pattern = new RegExp(`${TRIBUNE}${path}\\?lang=\\w+#token=[A-Za-z0-9_.-]+`);
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
  throw new Error(`no mail to ${address} with a ${path} link`);
}

test('a reader confirms the address from the mailed link', async ({ page }) => {
  const username = unique('bestaetigt');
  const email = `${username}@example.de`;
  const res = await api('POST', '/auth/register', undefined, { username, email, password: 'correct horse battery', language: 'de' });
  expect(res.status).toBe(201);
  expect(res.body.user.email_verified).toBe(false);
  const link = await mailedLink(email, '/account/verify-email');
  expect(link).toContain('?lang=de#token=');

  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'E-Mail-Adresse bestätigen' })).toBeVisible();
  // Opening the link confirms nothing (a mail scanner opens links too); the click does.
  expect((await api('GET', '/me', res.body.access_token)).body.email_verified).toBe(false);
  await page.getByRole('button', { name: 'Adresse bestätigen' }).click();
  await expect(page.getByRole('status')).toHaveText('Ihre E-Mail-Adresse ist bestätigt. Sie können diese Seite schließen.');
  // The token left the address bar (and so the history) at once.
  expect(page.url()).toBe(`${TRIBUNE}/account/verify-email?lang=de`);
  const me = await api('GET', '/me', res.body.access_token);
  expect(me.body.email_verified).toBe(true);

  // The same link again is refused in words.
  const again = await page.context().newPage();
  await again.goto(link.replace('lang=de', 'lang=en'));
  await again.getByRole('button', { name: 'Confirm my address' }).click();
  await expect(again.getByRole('status')).toHaveText('This link is expired, used already or not complete. Ask for a new one.');
});

test('a reader who forgot the password asks for a link from the thread and sets a new one', async ({ page, context }) => {
  const username = unique('vergessen');
  const email = `${username}@example.de`;
  const res = await api('POST', '/auth/register', undefined, { username, email, password: 'the old password', language: 'en' });
  expect(res.status).toBe(201);
  // Reset links go only to confirmed addresses.
  const verification = await mailedLink(email, '/account/verify-email');
  await api('POST', '/auth/verify-email', undefined, { token: verification.split('#token=')[1] });

  const thread = await openThread(page, unique('artikel'));
  await thread.getByRole('button', { name: 'Sign in' }).click();
  const [request] = await Promise.all([context.waitForEvent('page'), thread.getByRole('link', { name: 'Forgotten your password?' }).click()]);
  await expect(request.getByRole('heading', { name: 'Forgotten your password?' })).toBeVisible();
  expect((await new AxeBuilder({ page: request }).analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  await request.getByLabel('Email address').fill(email);
  await request.getByRole('button', { name: 'Send link' }).click();
  await expect(request.getByRole('status')).toContainText('a link is on its way');

  // The reader opens the mailed link (a new tab, as from a mail program).
  const reset = await context.newPage();
  await reset.goto(await mailedLink(email, '/account/reset-password'));
  await reset.getByLabel('New password (at least 8 characters)').fill('a brand new password');
  await reset.getByLabel('The new password again').fill('a brand new pasword');
  await reset.getByRole('button', { name: 'Set password' }).click();
  await expect(reset.getByRole('status')).toHaveText('The two passwords differ.');
  await reset.getByLabel('The new password again').fill('a brand new password');
  await reset.getByRole('button', { name: 'Set password' }).click();
  await expect(reset.getByRole('status')).toContainText('Your password is changed');

  expect((await api('POST', '/auth/login', undefined, { login: username, password: 'the old password' })).status).toBe(401);
  expect((await api('POST', '/auth/login', undefined, { login: username, password: 'a brand new password' })).status).toBe(200);
  // Every session of the old password has ended.
  expect((await api('GET', '/me', res.body.access_token)).status).toBe(401);
});
