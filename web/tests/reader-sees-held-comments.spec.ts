import { expect, test } from '@playwright/test';

import { adminToken, api, openThread, postComment, registerReader, ssoToken, unique } from './helpers';

test('a reader sees their held and rejected comments with the reasons', async ({ page }) => {
  const article = unique('vorab');
  const admin = await adminToken();
  expect((await api('PUT', `/mod/articles?article=${article}`, admin, { moderation: 'pre' })).status).toBe(200);
  const thread = await openThread(page, article, { lang: 'de', sso: ssoToken(unique('sub'), unique('dora')) });
  await expect(thread.getByText(/^Angemeldet als /)).toBeVisible();

  await thread.getByLabel('Ihr Kommentar').fill('Bitte freischalten');
  await thread.getByRole('button', { name: 'Kommentar senden' }).click();
  await expect(thread.getByRole('status')).toHaveText('Ihr Kommentar ist eingegangen und wartet auf Freigabe.');
  const held = thread.locator('.comment.pending');
  await expect(held).toContainText('Wartet auf Freigabe: nur Sie sehen diesen Kommentar.');
  await expect(held).toContainText('Alle Kommentare zu diesem Artikel werden vor der Veröffentlichung geprüft.');
  await expect(thread.getByRole('heading', { name: '0 Kommentare' })).toBeVisible();

  const id = Number((await held.getAttribute('id'))?.slice(1));
  const pending = await api('GET', `/mod/queue?queue=pending&article=${article}`, admin);
  expect(pending.body.items.map((c: any) => c.id)).toEqual([id]);
  expect((await api('POST', `/mod/comments/${id}/reject`, admin, { reason: 'hate_speech' })).status).toBe(200);

  await page.reload();
  const rejected = thread.locator(`#c${id}`);
  await expect(rejected).toContainText('Nicht veröffentlicht: nur Sie sehen diesen Kommentar.');
  await expect(rejected).toContainText('Begründung: Hassrede');
  // Others do not see it.
  expect((await api('GET', `/comments?article=${article}`)).body.comments).toHaveLength(0);
});

test('a closed article says so and offers no form; closing under a reader is shown in words', async ({ page }) => {
  const article = unique('zu');
  const admin = await adminToken();
  const anna = await registerReader();
  await postComment(anna, article, 'Vor dem Schließen');
  const thread = await openThread(page, article, { sso: ssoToken(unique('sub'), unique('emil')) });
  await expect(thread.getByText(/^Signed in as /)).toBeVisible();
  await thread.getByLabel('Your comment').fill('Zu spät?');
  expect((await api('PUT', `/mod/articles?article=${article}`, admin, { status: 'closed' })).status).toBe(200);
  const failed = page.evaluate(() => new Promise((r) => document.addEventListener('tribune:error', (e) => r((e as CustomEvent).detail.code))));
  await thread.getByRole('button', { name: 'Post comment' }).click();
  await expect(thread.getByRole('alert')).toHaveText('Comments on this article are closed.');
  expect(await failed).toBe('article_closed');

  await page.reload();
  await expect(thread.getByRole('note')).toHaveText('Comments on this article are closed.');
  await expect(thread.getByText('Vor dem Schließen')).toBeVisible();
  await expect(thread.getByLabel('Your comment')).toHaveCount(0);
  await expect(thread.getByRole('button', { name: 'Reply' })).toHaveCount(0);
});
