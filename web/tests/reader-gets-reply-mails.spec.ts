import { expect, test } from '@playwright/test';

import { api, openThread, postComment, registerReader, SITE, TRIBUNE, unique } from './helpers';

type Mail = { to: string[]; raw: string };

async function mailsTo(address: string): Promise<Mail[]> {
  const mails: Mail[] = await (await fetch(`${SITE}/__mail`)).json();
  return mails.filter((m) => m.to.includes(address));
}

/** The token of the verification link mailed to `address` (waits for it). */
async function verificationToken(address: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    for (const mail of await mailsTo(address)) {
      const qp = mail.raw.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      const found = /#token=([A-Za-z0-9_.-]+)/.exec(qp)?.[1];
      if (found) return found;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no verification mail to ${address}`);
}

/** The one-click link (`List-Unsubscribe: <…>`) of the newest reply mail to `address`. */
async function unsubscribeLink(address: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    for (const mail of (await mailsTo(address)).reverse()) {
      const head = mail.raw.split('\r\n\r\n')[0].replace(/\r\n[ \t]+/g, ' ');
      const found = /^List-Unsubscribe:\s*<([^>]+)>/im.exec(head)?.[1];
      if (found) return found;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no reply mail to ${address}`);
}

test('a reader asks to hear about replies, gets a mail for one, and stops it with one click', async ({ page }) => {
  const article = unique('benachrichtigt');
  const username = unique('anna');
  const email = `${username}@example.de`;
  const password = 'correct horse battery';
  expect((await api('POST', '/auth/register', undefined, { username, email, password })).status).toBe(201);

  // Unconfirmed: the composer explains why it offers no mail.
  const thread = await openThread(page, article);
  await thread.getByRole('button', { name: 'Sign in' }).click();
  await thread.getByLabel('Username or email').fill(username);
  await thread.getByLabel('Password').fill(password);
  await thread.getByRole('button', { name: 'Sign in' }).last().click();
  await expect(thread.getByText('confirm your email address first')).toBeVisible();
  await expect(thread.getByRole('checkbox', { name: 'Email me about replies' })).toHaveCount(0);

  // Confirmed and signed in again: the box is there; she ticks it and posts.
  expect((await api('POST', '/auth/verify-email', undefined, { token: await verificationToken(email) })).status).toBe(204);
  await thread.getByRole('button', { name: 'Sign out' }).click();
  await thread.getByRole('button', { name: 'Sign in' }).click();
  await thread.getByLabel('Username or email').fill(username);
  await thread.getByLabel('Password').fill(password);
  await thread.getByRole('button', { name: 'Sign in' }).last().click();
  await thread.getByLabel('Your comment').fill('Sagen Sie mir Bescheid.');
  await thread.getByRole('checkbox', { name: 'Email me about replies' }).check();
  await thread.getByRole('button', { name: 'Post comment' }).click();
  await expect(thread.getByRole('status')).toHaveText('Your comment is published.');
  const login = await api('POST', '/auth/login', undefined, { login: username, password });
  const subs = await api('GET', '/me/subscriptions', login.body.access_token);
  expect(subs.body.subscriptions).toHaveLength(1);
  const commentId: number = subs.body.subscriptions[0].comment_id;

  // The thread offers the same for all her comments on the article: on, then off.
  const everywhere = thread.getByRole('button', { name: 'Email me about replies to any of my comments here' });
  await everywhere.click();
  await expect(everywhere).toHaveAttribute('aria-pressed', 'true');
  const both = (await api('GET', '/me/subscriptions', login.body.access_token)).body.subscriptions;
  expect(both.map((s: { kind: string }) => s.kind)).toEqual(['comment', 'article']);
  await everywhere.click();
  await expect(thread.getByRole('status')).toHaveText('No more emails about replies on this article.');
  await expect(everywhere).toHaveAttribute('aria-pressed', 'false');

  // Her own comment's menu shows it on; off and on again.
  const toggle = thread.locator(`#c${commentId}`).getByRole('button', { name: 'Email me about replies' });
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await toggle.click();
  await expect(thread.getByRole('status')).toHaveText('No more emails about replies to this comment.');
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  expect((await api('GET', '/me/subscriptions', login.body.access_token)).body.subscriptions).toHaveLength(0);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');

  // Another reader replies (published at once): the mail arrives.
  const bert = await registerReader('bert');
  await postComment(bert, article, 'Hiermit: Bescheid!', commentId);
  const link = await unsubscribeLink(email);
  expect(link.startsWith(`${TRIBUNE}/account/unsubscribe?lang=en&token=`)).toBe(true);

  // The link opens a page (nothing changes yet); its button unsubscribes.
  const stop = await page.context().newPage();
  await stop.goto(link);
  await expect(stop.getByRole('heading', { name: 'Unsubscribe' })).toBeVisible();
  expect((await api('GET', '/me/subscriptions', login.body.access_token)).body.subscriptions).toHaveLength(1);
  await stop.getByRole('button', { name: 'Unsubscribe' }).click();
  await expect(stop.getByText('Done: you will no longer receive these emails.')).toBeVisible();
  expect((await api('GET', '/me/subscriptions', login.body.access_token)).body.subscriptions).toHaveLength(0);

  // A mail program's one-click POST (RFC 8058) answers 200 as well, without a login.
  const oneClick = await fetch(link, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
  expect(oneClick.status).toBe(200);
});
