import { expect, test } from '@playwright/test';
import { openThread, registerReader, postComment, unique } from './helpers';

test('smoke', async ({ page }) => {
  page.on('console', (m) => console.log('console:', m.text()));
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  const article = unique('smoke');
  const anna = await registerReader();
  await postComment(anna, article, 'Hallo **Welt**');
  const thread = await openThread(page, article);
  await expect(thread.getByText('Hallo')).toBeVisible();
  await page.screenshot({ path: '/tmp/smoke.png', fullPage: true });
});
