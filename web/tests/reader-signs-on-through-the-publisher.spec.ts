import { expect, test } from '@playwright/test';

import { api, articlePage, openThread, publish, ssoToken, unique } from './helpers';

test('a page-supplied publisher token signs the reader in, and a cached page with a used token still works', async ({ page }) => {
  const article = unique('sso');
  const sub = unique('kunde');
  const name = unique('Leserin ');
  const token = ssoToken(sub, name);
  const thread = await openThread(page, article, { sso: token });
  const username = name.replace(' ', '_');
  await expect(thread.getByText(`Signed in as ${username}`)).toBeVisible();
  const access = await page.evaluate(() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith('tribune:')) as string) as string).access);
  const me = await api('GET', '/me', access);
  expect(me.body).toMatchObject({ username, role: 'reader' });

  // The same page again (a cached copy): the token is spent, the session is kept.
  expect((await api('POST', '/auth/sso', undefined, { token })).status).toBe(401);
  await page.reload();
  await expect(thread.getByText(`Signed in as ${username}`)).toBeVisible();
  await thread.getByLabel('Your comment').fill('Über die Verlagsanmeldung');
  await thread.getByRole('button', { name: 'Post comment' }).click();
  await expect(thread.getByRole('status')).toHaveText('Your comment is published.');
  expect((await api('GET', `/comments?article=${article}`)).body.comments[0].author.username).toBe(username);
});

test('Tribune.login signs in with a token the page learns later; Tribune.logout signs out', async ({ page }) => {
  const article = unique('spaeter');
  const thread = await openThread(page, article);
  await expect(thread.getByText('Sign in or register to comment.')).toBeVisible();
  const name = unique('spaet');
  const user = await page.evaluate(async (token) => {
    const events: string[] = [];
    document.addEventListener('tribune:login', () => events.push('login'));
    const u = await (window as any).Tribune.login(token);
    return { username: u.username, events };
  }, ssoToken(unique('sub'), name));
  expect(user.username).toBe(name);
  await expect(thread.getByText(`Signed in as ${name}`)).toBeVisible();
  await expect(thread.getByLabel('Your comment')).toBeVisible();

  const loggedOut = await page.evaluate(async () => {
    const seen = new Promise((r) => document.addEventListener('tribune:logout', () => r(true)));
    await (window as any).Tribune.logout();
    return seen;
  });
  expect(loggedOut).toBe(true);
  await expect(thread.getByText('Sign in or register to comment.')).toBeVisible();
});

test('a token for another reader replaces the session', async ({ page }) => {
  const article = unique('wechsel');
  const first = unique('erste');
  const second = unique('zweite');
  const url = await publish(`/${unique('p')}.html`, articlePage(article, { sso: ssoToken(unique('sub'), first) }));
  await page.goto(url);
  await expect(page.getByText(`Signed in as ${first}`)).toBeVisible();
  await page.goto(await publish(`/${unique('p')}.html`, articlePage(article, { sso: ssoToken(unique('sub'), second) })));
  await expect(page.getByText(`Signed in as ${second}`)).toBeVisible();
});
