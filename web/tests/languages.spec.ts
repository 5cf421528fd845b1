import { expect, test } from '@playwright/test';

import { openThread, postComment, registerReader, unique, shot } from './helpers';

const TEXTS = {
  de: { heading: '2 Kommentare', signIn: 'Anmelden', sort: 'Sortieren', like: '1 Like' },
  en: { heading: '2 comments', signIn: 'Sign in', sort: 'Sort', like: '1 like' },
  vi: { heading: '2 bình luận', signIn: 'Đăng nhập', sort: 'Sắp xếp', like: '1 lượt thích' },
};

for (const [lang, text] of Object.entries(TEXTS)) {
  test(`the thread speaks ${lang}, with dates from Intl`, async ({ page }) => {
    const article = unique(`sprache-${lang}`);
    const anna = await registerReader();
    const ben = await registerReader();
    const c = await postComment(anna, article, 'Hallo');
    await postComment(anna, article, 'Noch einmal');
    await fetch(`${process.env.TRIBUNE}/api/v1/comments/${c.id}/like`, { method: 'PUT', headers: { Authorization: `Bearer ${ben.token}` } });
    const thread = await openThread(page, article, { lang });
    await expect(thread.getByRole('heading', { name: text.heading })).toBeVisible();
    await expect(thread.getByRole('button', { name: text.signIn, exact: true })).toBeVisible();
    await expect(thread.getByLabel(text.sort)).toBeVisible();
    await expect(thread.locator(`#c${c.id}`)).toContainText(text.like);
    const expected = await page.evaluate(([l, iso]) => new Intl.DateTimeFormat(l, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)), [lang, c.created_at]);
    await expect(thread.locator(`#c${c.id} time`)).toHaveText(expected);
  });
}

test('data-tribune-lang wins over the page language, and a right-to-left page stays right to left', async ({ page }) => {
  const article = unique('rtl');
  const anna = await registerReader();
  await postComment(anna, article, 'مرحبا بالجميع');
  const thread = await openThread(page, article, { lang: 'ar', dir: 'rtl', attrs: 'data-tribune-lang="de"' });
  await expect(thread.getByRole('heading', { name: '1 Kommentar' })).toBeVisible();
  await expect(thread.locator('section.t')).toHaveCSS('direction', 'rtl');
  await expect(thread.locator('.body').first()).toHaveAttribute('dir', 'auto');
  const head = await thread.locator('.head h2').boundingBox();
  const sort = await thread.locator('.head select').boundingBox();
  expect(head && sort && head.x > sort.x).toBeTruthy();
  await page.screenshot({ path: shot('thread-rtl') });
});
