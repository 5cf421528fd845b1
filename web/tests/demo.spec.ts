import { expect, test } from '@playwright/test';

import { api, countOf, postComment, registerReader, ssoToken, SITE, TRIBUNE, shot } from './helpers';

test('the demo article works from a publisher origin, and its screenshots are taken', async ({ page }) => {
  const anna = await registerReader('', 'Anna_K');
  const ben = await registerReader('', 'Ben.Mertens');
  const first = await postComment(anna, 'demo-radwege', 'Endlich! Ich fahre jeden Tag über den Ring und habe mich nie sicher gefühlt.');
  await postComment(ben, 'demo-radwege', 'Und wo sollen die Lieferwagen halten? Das ist nicht zu Ende gedacht.', first.id);
  await postComment(anna, 'demo-radwege', 'Gute Frage – im Plan stehen Ladezonen an jeder Kreuzung.', first.id);
  await fetch(`${TRIBUNE}/api/v1/comments/${first.id}/like`, { method: 'PUT', headers: { Authorization: `Bearer ${ben.token}` } });
  await postComment(ben, 'demo-hallenbad', 'Schön, dass es wieder offen ist.');
  for (let i = 0; i < 2; i++) await postComment(anna, 'demo-wochenmarkt', `Markt ${i}`);

  await page.goto(`${SITE}/demo/`);
  expect(new URL(page.url()).origin).not.toBe(TRIBUNE);
  await expect(page.locator('[data-tribune-count="demo-radwege"]')).toHaveText('3 Kommentare');
  await expect(page.locator('[data-tribune-count="demo-hallenbad"]')).toHaveText('Eine Meinung');
  await expect(page.locator('[data-tribune-count="demo-wochenmarkt"]')).toHaveText('2 Kommentare');
  await expect(page.locator('[data-tribune-count="demo-bibliothek"]')).toHaveText('0 Kommentare');
  const thread = page.locator('#tribune-thread');
  await thread.scrollIntoViewIfNeeded();
  await expect(thread.getByRole('heading', { name: '3 Kommentare' })).toBeVisible();
  await page.screenshot({ path: shot('demo-article'), fullPage: true });

  await page.evaluate((token) => (window as any).Tribune.login(token), ssoToken('demo-leserin', 'Leserin_Demo'));
  await expect(thread.getByText('Angemeldet als Leserin_Demo')).toBeVisible();
  await thread.getByLabel('Ihr Kommentar').fill('Ich bin gespannt, wie es im Sommer aussieht.');
  await thread.getByRole('button', { name: 'Kommentar senden' }).click();
  await expect(thread.getByRole('status')).toHaveText('Ihr Kommentar ist veröffentlicht.');
  expect(await countOf('demo-radwege')).toBe(4);
  await thread.screenshot({ path: shot('thread') });
});

test('the demo served by the binary itself works for a newcomer', async ({ page }) => {
  await page.goto(`${TRIBUNE}/demo/`);
  const thread = page.locator('#tribune-thread');
  await thread.scrollIntoViewIfNeeded();
  await expect(thread.getByRole('button', { name: 'Registrieren' })).toBeVisible();
  await expect(page.locator('[data-tribune-count="demo-radwege"]')).toHaveText(/\d+ Kommentare?/);
  const landing = await page.goto(`${TRIBUNE}/`);
  expect(landing?.status()).toBe(200);
  await page.getByRole('link', { name: 'The demo' }).click();
  await expect(page).toHaveURL(`${TRIBUNE}/demo/`);
  expect((await api('GET', '/counts?article=demo-radwege')).status).toBe(200);
});
