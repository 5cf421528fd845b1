import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';

import { comments, openThread, postComment, registerReader, ssoToken, unique } from './helpers';

test('a reader posts with the keyboard only, and focus lands on the new comment', async ({ page }) => {
  const article = unique('tastatur');
  const thread = await openThread(page, article, { sso: ssoToken(unique('sub'), unique('taste')) });
  await expect(thread.getByText(/^Signed in as /)).toBeVisible();
  await page.locator('body').click({ position: { x: 1, y: 1 } });
  const box = thread.getByLabel('Your comment');
  for (let i = 0; i < 10 && !(await box.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)); i++) {
    await page.keyboard.press('Tab');
  }
  await expect(box).toBeFocused();
  await page.keyboard.type('Nur mit der Tastatur');
  await page.keyboard.press('Tab');
  await expect(thread.getByRole('button', { name: 'Post comment' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(thread.getByRole('status')).toHaveText('Your comment is published.');
  const id = (await comments(article)).comments[0].id;
  await expect(thread.locator(`#c${id}`)).toBeFocused();
});

test('axe finds no serious or critical violations, signed out and signed in', async ({ page }) => {
  const article = unique('axe');
  const anna = await registerReader();
  const first = await postComment(anna, article, 'Ein Kommentar mit [Link](https://example.org)');
  await postComment(anna, article, 'Eine Antwort', first.id);
  for (const sso of [undefined, ssoToken(unique('sub'), unique('axe'))]) {
    const thread = await openThread(page, article, { lang: 'de', sso });
    await expect(thread.getByText('Eine Antwort')).toBeVisible();
    if (sso) await thread.locator(`#c${first.id}`).getByRole('button', { name: 'Antworten' }).click();
    else await thread.getByRole('button', { name: 'Registrieren' }).click();
    const result = await new AxeBuilder({ page }).include('#tribune-thread').analyze();
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
  }
});
