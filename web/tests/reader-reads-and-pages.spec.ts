import { expect, test } from '@playwright/test';

import { articlePage, openThread, postComment, publish, registerReader, unique } from './helpers';

test('nothing is fetched until the thread nears the viewport', async ({ page }) => {
  const article = unique('lazy');
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const url = await publish(`/${unique('p')}.html`, articlePage(article, { head: '<style>main{padding-top:4000px}</style>' }));
  await page.goto(url);
  await page.waitForTimeout(500);
  expect(requests.filter((u) => u.includes('/embed/') || u.includes('/api/'))).toEqual([]);
  await page.locator('#tribune-thread').scrollIntoViewIfNeeded();
  await expect(page.locator('#tribune-thread').getByRole('heading', { name: '0 comments' })).toBeVisible();
  expect(requests.some((u) => u.includes('/embed/thread-'))).toBe(true);
  expect(requests.some((u) => u.includes(`/api/v1/comments?article=${article}`))).toBe(true);
});

test('a reader reads threads with their replies, pages on and changes the sort', async ({ page }) => {
  const article = unique('lesen');
  const anna = await registerReader('anna');
  const ben = await registerReader('ben');
  const first = await postComment(anna, article, 'Erster Kommentar');
  const reply = await postComment(ben, article, 'Antwort auf den ersten', first.id);
  await postComment(anna, article, 'Antwort auf die Antwort', reply.id);
  for (let i = 2; i <= 25; i++) await postComment(i % 2 ? anna : ben, article, `Kommentar Nummer ${i}`);

  const thread = await openThread(page, article);
  await expect(thread.getByRole('heading', { name: '27 comments' })).toBeVisible();
  // Replies hang under their parents.
  const firstItem = thread.locator(`#c${first.id}`).locator('xpath=..');
  await expect(firstItem.locator(`#c${reply.id}`)).toBeVisible();
  await expect(thread.locator(`#c${reply.id}`).locator('xpath=..').getByText('Antwort auf die Antwort')).toBeVisible();
  await expect(thread.locator('.list > li')).toHaveCount(20);
  await expect(thread.getByText('Kommentar Nummer 25')).toHaveCount(0);

  await thread.getByRole('button', { name: 'More comments' }).click();
  await expect(thread.locator('.list > li')).toHaveCount(25);
  await expect(thread.getByText('Kommentar Nummer 25')).toBeVisible();
  await expect(thread.getByRole('button', { name: 'More comments' })).toHaveCount(0);

  await thread.getByLabel('Sort').selectOption('newest');
  await expect(thread.locator('.list > li').first()).toContainText('Kommentar Nummer 25');
});

test('several threads on one page, one added later through Tribune.render', async ({ page }) => {
  const [a, b, c] = [unique('eins'), unique('zwei'), unique('drei')];
  const anna = await registerReader();
  await postComment(anna, a, 'Im ersten Artikel');
  await postComment(anna, b, 'Im zweiten Artikel');
  await postComment(anna, c, 'Im dritten Artikel');
  const html = `<!doctype html><html lang="en"><body>
<div class="tribune-thread" data-tribune-article="${a}"></div>
<div class="tribune-thread" data-tribune-article="${b}"></div>
<script async src="${process.env.TRIBUNE}/embed.js"></script></body></html>`;
  await page.goto(await publish(`/${unique('multi')}.html`, html));
  await expect(page.locator(`[data-tribune-article="${a}"]`).getByText('Im ersten Artikel')).toBeVisible();
  await expect(page.locator(`[data-tribune-article="${b}"]`).getByText('Im zweiten Artikel')).toBeVisible();
  const ready = await page.evaluate((key) => new Promise<string>((resolve) => {
    const el = document.createElement('div');
    el.dataset.tribuneArticle = key;
    el.addEventListener('tribune:ready', (e) => resolve((e as CustomEvent).detail.article));
    document.body.append(el);
    (window as any).Tribune.render(el);
  }), c);
  expect(ready).toBe(c);
  await expect(page.locator(`[data-tribune-article="${c}"]`).getByText('Im dritten Artikel')).toBeVisible();
});
