import { expect, test } from '@playwright/test';

import { api, adminToken, countOf, registerReader, unique } from './helpers';
import { heldComments, registerModerator, signIn } from './console';

test('a keyboard-only pass over ten pending comments: j/k, a, r with a reason, x, ?', async ({ page }) => {
  const article = unique('tasten');
  const bodies = Array.from({ length: 10 }, (_, i) => `Wartend Nummer ${i + 1}`);
  const ids = await heldComments(article, await registerReader(), bodies);
  await signIn(page, await registerModerator(), `?article=${article}`);
  await expect(page.locator('.card')).toHaveCount(10);
  await page.keyboard.press('?');
  await expect(page.locator('#keys')).toContainText('j / k');
  await page.keyboard.press('j');
  await expect(page.locator(`[data-comment="${ids[1]}"]`)).toBeFocused();
  await page.keyboard.press('k');
  await expect(page.locator(`[data-comment="${ids[0]}"]`)).toBeFocused();
  // Approve four with `a`: focus moves on by itself.
  for (let i = 0; i < 4; i++) {
    await expect(page.locator(`[data-comment="${ids[i]}"]`)).toBeFocused();
    await page.keyboard.press('a');
    await expect(page.locator('.total[data-queue=pending]')).toHaveText(String(9 - i));
  }
  // Reject two with `r`, picking the reason from the keyboard.
  for (let i = 4; i < 6; i++) {
    await expect(page.locator(`[data-comment="${ids[i]}"]`)).toBeFocused();
    await page.keyboard.press('r');
    const reason = page.getByLabel('Reason for rejecting');
    await expect(reason).toBeFocused();
    await reason.press('ArrowDown'); // offensive
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await expect(page.getByRole('dialog', { name: 'Reject comment' }).getByRole('button', { name: 'Reject' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.locator('.total[data-queue=pending]')).toHaveText(String(9 - i));
  }
  // Select the remaining four with x and j, then approve them at once with a.
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('x');
    if (i < 3) await page.keyboard.press('j');
  }
  await expect(page.getByText('4 selected')).toBeVisible();
  await page.keyboard.press('a');
  await expect(page.locator('.total[data-queue=pending]')).toHaveText('0');
  expect(await countOf(article)).toBe(8);
  const rejected = await api('GET', `/mod/queue?queue=rejected&article=${article}`, await adminToken());
  expect(rejected.body.items.map((c: any) => c.rejection_reason).sort()).toEqual(['offensive', 'offensive']);
});
