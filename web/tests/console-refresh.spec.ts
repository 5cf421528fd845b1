import { expect, test } from '@playwright/test';

import { api, countOf, registerReader, unique } from './helpers';
import { heldComments, registerModerator, signIn, storedSession } from './console';

test('an access token that ran out is refreshed silently when the console opens', async ({ page }) => {
  const mod = await registerModerator();
  await signIn(page, mod);
  await expect(page.getByRole('navigation', { name: 'Queues' })).toBeVisible();
  const before = await page.evaluate(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith('tribune:')) as string;
    const stored = JSON.parse(localStorage.getItem(key) as string);
    stored.expires = 0;
    localStorage.setItem(key, JSON.stringify(stored));
    return stored.refresh as string;
  });
  await page.reload();
  await expect(page.getByRole('navigation', { name: 'Queues' })).toBeVisible();
  await expect(page.getByLabel('Username or email')).toHaveCount(0);
  await expect.poll(async () => (await storedSession(page)).refresh).not.toBe(before);
  // The spent refresh token is gone for good.
  expect((await api('POST', '/auth/refresh', undefined, { refresh_token: before })).status).toBe(401);
});

test('mid-shift, an access token that expires is refreshed before the next decision', async ({ page }) => {
  const article = unique('frist');
  const [id] = await heldComments(article, await registerReader(), ['Nach der Pause']);
  await page.clock.install();
  await signIn(page, await registerModerator(), `#/queue?article=${article}`);
  await expect(page.locator(`[data-comment="${id}"]`)).toBeVisible();
  const before = (await storedSession(page)).refresh;
  // A long coffee break: the 15-minute access token has run out.
  await page.clock.fastForward('16:00');
  await page.locator(`[data-comment="${id}"]`).getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toContainText(`Comment ${id}: Approved.`);
  expect(await countOf(article)).toBe(1);
  expect((await storedSession(page)).refresh).not.toBe(before);
  await expect(page.getByLabel('Username or email')).toHaveCount(0);
});

test('an access token the API refuses is refreshed once and the decision goes through', async ({ page }) => {
  const article = unique('abgelehnt');
  const [id] = await heldComments(article, await registerReader(), ['Abgewiesenes Token']);
  await signIn(page, await registerModerator(), `#/queue?article=${article}`);
  await expect(page.locator(`[data-comment="${id}"]`)).toBeVisible();
  const before = (await storedSession(page)).refresh;
  // The service refuses the access token once, as it would one revoked or expired early.
  let refused = 0;
  await page.route(`**/api/v1/mod/comments/${id}/approve`, async (route) => {
    if (refused++ > 0) return route.continue();
    await route.fulfill({
      status: 401,
      contentType: 'application/problem+json',
      body: JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'The access token has expired.', code: 'unauthorized' }),
    });
  });
  await page.locator(`[data-comment="${id}"]`).getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toContainText(`Comment ${id}: Approved.`);
  expect(refused).toBe(2);
  expect(await countOf(article)).toBe(1);
  expect((await storedSession(page)).refresh).not.toBe(before);
  await expect(page.getByText('Signed in as')).toBeVisible();
});
