import { expect, test } from '@playwright/test';

import { api, comments, countOf, openThread, unique } from './helpers';

test('a reader registers, posts a comment, signs out and signs in again', async ({ page }) => {
  const article = unique('posten');
  const username = unique('neu');
  // The article's head shows its count, as a publisher's template would.
  const extra = `<span id="head-count" data-tribune-count="${article}">comments</span><script async src="${process.env.TRIBUNE}/count.js"></script>`;
  const thread = await openThread(page, article, { extra });
  await expect(thread.getByText('Sign in or register to comment.')).toBeVisible();
  await expect(page.locator('#head-count')).toHaveText('0 comments');
  await expect(thread.getByLabel('Your comment')).toHaveCount(0);

  await thread.getByRole('button', { name: 'Register' }).click();
  await thread.getByLabel('Username').fill(username);
  await thread.getByLabel('Email').fill(`${username}@example.de`);
  await thread.getByLabel('Password').fill('correct horse battery');
  const login = page.evaluate(() => new Promise((r) => document.addEventListener('tribune:login', (e) => r((e as CustomEvent).detail.username))));
  await thread.getByRole('button', { name: 'Register' }).last().click();
  await expect(thread.getByText(`Signed in as ${username}`)).toBeVisible();
  expect(await login).toBe(username);

  const posted = page.evaluate(() => new Promise((r) => document.addEventListener('tribune:posted', (e) => r((e as CustomEvent).detail))));
  await thread.getByLabel('Your comment').fill('Mein erster **Kommentar**');
  await thread.getByRole('button', { name: 'Post comment' }).click();
  const comment = (await posted) as { id: number; status: string };
  await expect(thread.getByRole('status')).toHaveText('Your comment is published.');
  await expect(thread.getByRole('heading', { name: '1 comment' })).toBeVisible();
  // count.js counted again past the browser's cache (its first answer is cacheable for 10 s).
  await expect(page.locator('#head-count')).toHaveText('1 comment');
  // Focus moved to the new comment, and the form is empty again.
  await expect(thread.locator(`#c${comment.id}`)).toBeFocused();
  await expect(thread.getByLabel('Your comment')).toHaveValue('');

  // Stored, rendered, counted.
  const page1 = await comments(article);
  expect(page1.comments).toHaveLength(1);
  expect(page1.comments[0]).toMatchObject({ id: comment.id, body: 'Mein erster **Kommentar**', status: 'approved', author: { username } });
  expect(await countOf(article)).toBe(1);
  await expect(thread.locator(`#c${comment.id} strong`, { hasText: 'Kommentar' })).toBeVisible();

  // The session survives a reload.
  await page.reload();
  await expect(thread.getByText(`Signed in as ${username}`)).toBeVisible();

  await thread.getByRole('button', { name: 'Sign out' }).click();
  await expect(thread.getByText('Sign in or register to comment.')).toBeVisible();
  expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tribune:')))).toEqual([]);

  await thread.getByRole('button', { name: 'Sign in' }).click();
  await thread.getByLabel('Username or email').fill(username);
  await thread.getByLabel('Password').fill('wrong password!');
  await thread.getByRole('button', { name: 'Sign in' }).last().click();
  await expect(thread.getByRole('alert')).toHaveText('The username or password is wrong.');
  await thread.getByLabel('Password').fill('correct horse battery');
  await thread.getByRole('button', { name: 'Sign in' }).last().click();
  await expect(thread.getByText(`Signed in as ${username}`)).toBeVisible();
});

test('a refused registration and an expired access token are handled in words', async ({ page }) => {
  const article = unique('fehler');
  const thread = await openThread(page, article);
  await thread.getByRole('button', { name: 'Register' }).click();
  await thread.getByLabel('Username').fill('x!');
  await thread.getByLabel('Email').fill('someone@example.de');
  await thread.getByLabel('Password').fill('short');
  await thread.getByRole('button', { name: 'Register' }).last().click();
  await expect(thread.getByRole('alert')).toContainText('Please check:');
  await expect(thread.getByRole('alert')).toContainText('the password (8 to 256 characters)');

  // A reader whose stored access token ran out is refreshed without a reload.
  const username = unique('frisch');
  await thread.getByLabel('Username').fill(username);
  await thread.getByLabel('Email').fill(`${username}@example.de`);
  await thread.getByLabel('Password').fill('correct horse battery');
  await thread.getByRole('button', { name: 'Register' }).last().click();
  await expect(thread.getByText(`Signed in as ${username}`)).toBeVisible();
  const before = await page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith('tribune:')) as string;
    const stored = JSON.parse(localStorage.getItem(key) as string);
    stored.expires = 0;
    localStorage.setItem(key, JSON.stringify(stored));
    return stored.refresh as string;
  });
  await page.reload();
  await thread.getByLabel('Your comment').fill('Nach dem Auffrischen');
  await thread.getByRole('button', { name: 'Post comment' }).click();
  await expect(thread.getByRole('status')).toHaveText('Your comment is published.');
  const after = await page.evaluate(() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith('tribune:')) as string) as string).refresh);
  expect(after).not.toBe(before);
  // The old refresh token is spent.
  expect((await api('POST', '/auth/refresh', undefined, { refresh_token: before })).status).toBe(401);
});
