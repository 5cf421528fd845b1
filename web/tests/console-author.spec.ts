import { expect, test } from '@playwright/test';

import { api, registerReader, unique } from './helpers';
import { heldComments, registerModerator, signIn } from './console';

test('notes in the author drawer persist, and can be deleted', async ({ page }) => {
  const article = unique('notiz');
  const author = await registerReader();
  const [id] = await heldComments(article, author, ['Über mich wird notiert']);
  const mod = await registerModerator();
  await signIn(page, mod, `?article=${article}`);
  await page.locator(`[data-comment="${id}"]`).focus();
  await page.keyboard.press('u');
  const drawer = page.getByRole('dialog', { name: author.username });
  await expect(drawer).toContainText('Über mich wird notiert');
  await drawer.getByLabel('New note').fill('Schon zweimal verwarnt');
  await drawer.getByRole('button', { name: 'Add note' }).click();
  await expect(drawer.locator('.notes')).toContainText(`Schon zweimal verwarnt — ${mod.username}`);
  const notes = await api('GET', `/mod/users/${author.id}/notes`, mod.token);
  expect(notes.body.items.map((n: any) => n.body)).toEqual(['Schon zweimal verwarnt']);

  await page.reload();
  await page.locator(`[data-comment="${id}"]`).getByRole('button', { name: `Open author ${author.username}` }).click();
  await expect(drawer.locator('.notes')).toContainText('Schon zweimal verwarnt');
  await drawer.getByRole('button', { name: 'Delete note' }).click();
  await expect(drawer.locator('.notes li')).toHaveCount(0);
  expect((await api('GET', `/mod/users/${author.id}/notes`, mod.token)).body.items).toEqual([]);
});

test('a seven-day ban with rejection of pending refuses the author\'s next post; unban lets them post', async ({ page }) => {
  const article = unique('bann');
  const troll = await registerReader('troll');
  const [id] = await heldComments(article, troll, ['Etwas Unschönes']);
  await signIn(page, await registerModerator(), `?article=${article}`);
  await page.locator(`[data-comment="${id}"]`).focus();
  await page.keyboard.press('b');
  const drawer = page.getByRole('dialog', { name: troll.username });
  await expect(drawer.getByLabel('Reason for the ban')).toBeFocused();
  await drawer.getByLabel('Reason for the ban').fill('Wiederholte Beleidigungen');
  await drawer.getByLabel('7 days').check();
  await drawer.getByLabel('Also reject their pending comments').check();
  await drawer.getByRole('button', { name: 'Ban', exact: true }).click();
  await expect(drawer).toContainText('Banned until');
  const post = await api('POST', '/comments', troll.token, { article, body: 'Noch einer' });
  expect(post.status).toBe(403);
  expect(post.body.code).toBe('account_banned');
  await expect(drawer.locator('code', { hasText: 'rejected' })).toHaveCount(1);

  await drawer.getByRole('button', { name: 'Unban' }).click();
  await expect(drawer.getByRole('button', { name: 'Ban', exact: true })).toBeVisible();
  expect((await api('POST', '/comments', troll.token, { article, body: 'Wieder da' })).status).toBe(201);
});
