import { expect, type Page, test } from '@playwright/test';

import { api, postComment, registerReader, unique } from './helpers';
import { heldComments, registerModerator, seriousViolations, signIn } from './console';

const rows = (page: Page) => page.locator('.log-lines tbody tr');

test('the log filters by moderator and action, by account, by comment; names lead to the author', async ({ page }) => {
  const article = unique('protokoll');
  const author = await registerReader('autorin');
  const ids = await heldComments(article, author, ['Eins', 'Zwei', 'Drei']);
  const mod = await registerModerator();
  expect((await api('POST', `/mod/comments/${ids[0]}/approve`, mod.token, {})).status).toBe(200);
  expect((await api('POST', `/mod/comments/${ids[1]}/reject`, mod.token, { reason: 'spam', note: 'Werbung für Pillen' })).status).toBe(200);

  await signIn(page, mod, '#/log');
  await page.getByLabel('Moderator').fill(mod.username);
  await page.getByLabel('Action').selectOption('reject');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(new RegExp(`#/log\\?moderator=${mod.username}&action=reject$`));
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page)).toContainText(`#${ids[1]}`);
  await expect(rows(page)).toContainText('Spam · Werbung für Pillen');
  await expect(rows(page).getByRole('button', { name: `Open author ${author.username}` })).toBeVisible();

  await page.getByRole('link', { name: 'Clear filters' }).click();
  await page.getByLabel('Account').fill(author.username);
  await page.getByRole('button', { name: 'Filter' }).click();
  const aboutAuthor = (await api('GET', `/mod/log?user_id=${author.id}&limit=50`, mod.token)).body.items;
  await expect(rows(page)).toHaveCount(aboutAuthor.length);
  await expect(rows(page).first()).toContainText('rejected');

  await rows(page).first().getByRole('link', { name: `Log of comment ${ids[1]}` }).click();
  await expect(page).toHaveURL(new RegExp(`#/log\\?comment=${ids[1]}$`));
  const aboutComment = (await api('GET', `/mod/log?comment_id=${ids[1]}`, mod.token)).body.items;
  await expect(rows(page)).toHaveCount(aboutComment.length);
  await expect(rows(page).last()).toContainText('held automatically');
  await expect(rows(page).last()).toContainText('automatic');
  expect(await seriousViolations(page)).toEqual([]);

  await rows(page).first().getByRole('button', { name: `Open author ${author.username}` }).click();
  const drawer = page.getByRole('dialog', { name: author.username });
  await expect(drawer).toContainText('Eins');
  await drawer.getByRole('button', { name: 'Close' }).click();

  await page.getByLabel('Account').fill('niemand_da');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page.getByRole('alert')).toHaveText('No account is named “niemand_da”.');
});

test('the log pages on to older entries', async ({ page }) => {
  const article = unique('viele');
  const author = await registerReader('vielschreiber');
  for (let i = 0; i < 55; i++) await postComment(author, article, `Beitrag ${i}`);
  const mod = await registerModerator();
  await signIn(page, mod, `#/log?user=${author.username}`);
  await expect(rows(page)).toHaveCount(50);
  await page.getByRole('button', { name: 'Older entries' }).click();
  await expect(rows(page)).toHaveCount(55);
  await expect(page.getByRole('button', { name: 'Older entries' })).toHaveCount(0);
  await expect(rows(page).last()).toContainText('approved automatically');
});
