import { expect, test } from '@playwright/test';

import { adminToken, api, postComment, registerReader, unique } from './helpers';
import { registerModerator, seriousViolations, signIn } from './console';

test('an article found by its title is closed, reopened, scheduled to close, pre-moderated, and its comments opened in the queue', async ({ page }) => {
  const key = unique('artikel');
  const title = `Haushaltsdebatte ${key}`;
  const url = `https://www.zeitung.de/politik/${key}`;
  const admin = await adminToken();
  expect((await api('PUT', `/mod/articles?article=${key}`, admin, { title, url })).status).toBe(200);
  const anna = await registerReader();
  const first = await postComment(anna, key, 'Erster Beitrag');
  await postComment(anna, key, 'Zweiter Beitrag');
  expect((await api('POST', `/comments/${first.id}/flags`, (await registerReader()).token, { reason: 'spam' })).status).toBe(201);
  await api('PUT', `/mod/articles?article=${key}`, admin, { moderation: 'pre' });
  await postComment(anna, key, 'Wartet');
  await api('PUT', `/mod/articles?article=${key}`, admin, { moderation: 'default' });

  await signIn(page, await registerModerator(), '#/articles');
  await page.getByLabel('Find an article (key or title)').fill(title);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(new RegExp(`#/articles\\?q=Haushaltsdebatte\\+${key}$`));
  const card = page.locator(`[data-article="${key}"]`);
  await expect(page.locator('[data-article]')).toHaveCount(1);
  await expect(card).toContainText('2 approved · 1 pending · 1 reported');
  await expect(card.getByRole('link', { name: title })).toHaveAttribute('href', url);

  await card.getByRole('button', { name: 'Close for comments' }).click();
  await expect(card.getByRole('status')).toHaveText('Closed for comments.');
  expect((await api('GET', `/articles?article=${key}`)).body.status).toBe('closed');
  expect((await api('POST', '/comments', anna.token, { article: key, body: 'Zu spät' })).body.code).toBe('article_closed');
  await card.getByRole('button', { name: 'Reopen for comments' }).click();
  await expect(card.getByRole('status')).toHaveText('Open for comments again.');
  expect((await api('GET', `/articles?article=${key}`)).body.status).toBe('open');

  await card.getByText('Schedule closing, moderation').click();
  // Two days ahead, as the browser's clock and time zone write it.
  const [local, iso] = await page.evaluate(() => {
    const at = new Date(Date.now() + 2 * 86_400_000);
    at.setSeconds(0, 0);
    const pad = (n: number) => String(n).padStart(2, '0');
    return [`${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`, at.toISOString()];
  });
  await card.getByLabel('Close at').fill(local);
  await card.getByRole('button', { name: 'Schedule closing' }).click();
  await expect(card.getByRole('status')).toHaveText(/^Closes by itself/);
  await expect(card).toContainText('closes');
  const scheduled = (await api('GET', `/articles?article=${key}`)).body;
  expect(new Date(scheduled.closes_at).toISOString()).toBe(iso);
  expect(scheduled.status).toBe('open');

  await card.getByLabel('Moderation', { exact: true }).selectOption('pre');
  await card.getByRole('button', { name: 'Apply' }).click();
  await expect(card.getByRole('status')).toHaveText('Now: Pre-moderation.');
  expect((await api('GET', `/articles?article=${key}`)).body.moderation).toBe('pre');
  expect((await postComment(anna, key, 'Jetzt vorab geprüft')).status).toBe('pending');

  expect(await seriousViolations(page)).toEqual([]);

  await card.getByRole('link', { name: 'Open its comments in the queue' }).click();
  await expect(page).toHaveURL(new RegExp(`#/queue\\?article=${key}$`));
  await expect(page.locator('.card')).toHaveCount(2);
  await expect(page.locator('.total[data-queue=pending]')).toHaveText('2');
  // The card names its article with a link to the publisher's page.
  await expect(page.locator('.card').first().getByRole('link', { name: title })).toHaveAttribute('href', url);
});
