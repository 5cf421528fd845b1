import { expect, test } from '@playwright/test';

import { api, postComment, registerReader, unique } from './helpers';
import { heldComments, registerModerator, seriousViolations, signIn } from './console';

test('the dashboard shows the queues, the oldest pending comment, the busiest articles and the day by the hour', async ({ page }) => {
  const busy = unique('viel');
  const held = unique('wartet');
  const author = await registerReader();
  const mod = await registerModerator();
  const [oldest] = await heldComments(held, author, ['Wartet am längsten', 'Wartet auch']);
  await api('PUT', `/mod/articles?article=${busy}`, mod.token, { title: `Großes Thema ${busy}` });
  const posted = [];
  for (let i = 0; i < 12; i++) posted.push(await postComment(author, busy, `Beitrag ${i}`));
  for (const flagger of [await registerReader(), await registerReader()]) {
    expect((await api('POST', `/comments/${posted[0].id}/flags`, flagger.token, { reason: 'abuse' })).status).toBe(201);
  }
  expect((await api('POST', `/mod/comments/${posted[1].id}/reject`, mod.token, { reason: 'spam' })).status).toBe(200);

  await signIn(page, mod, '#/dashboard');
  await expect(page.getByRole('heading', { level: 2, name: 'Dashboard' })).toBeVisible();
  const board = (await api('GET', '/mod/dashboard', mod.token)).body;
  for (const queue of ['pending', 'reported', 'unmoderated', 'rejected', 'approved']) {
    await expect(page.locator(`.tiles [data-queue=${queue}] .n`)).toHaveText(String(board.queues[queue]));
  }
  expect(board.oldest_pending.comment_id).toBeLessThanOrEqual(oldest);
  await expect(page.locator('.oldest')).toContainText('The oldest pending comment has waited');

  const commented = page.locator('.ranking').filter({ hasText: 'Most new comments' });
  await expect(commented.locator('li')).toHaveCount(board.most_commented.length);
  await expect(commented.getByRole('link', { name: `Großes Thema ${busy}` })).toBeVisible();
  await expect(commented.locator('li').filter({ hasText: `Großes Thema ${busy}` })).toContainText('12 comments');
  const reported = page.locator('.ranking').filter({ hasText: 'Most reports' });
  await expect(reported.locator('li').filter({ hasText: busy })).toContainText('2 reports');

  const chart = page.getByRole('img', { name: 'Comments and decisions per hour, last 24 hours' });
  await expect(chart).toBeVisible();
  await expect(chart.locator('rect')).toHaveCount(48);
  await page.getByText('Show as a table').click();
  const rows = page.locator('.chart tbody tr');
  await expect(rows).toHaveCount(24);
  const now = board.per_hour.at(-1);
  await expect(rows.last().locator('td')).toHaveText([String(now.comments), String(now.decisions)]);
  expect(now.comments).toBeGreaterThanOrEqual(14);
  expect(now.decisions).toBeGreaterThanOrEqual(1);

  expect(await seriousViolations(page)).toEqual([]);

  await page.getByLabel('Period').selectOption('1');
  await expect(page).toHaveURL(/#\/dashboard\?hours=1$/);
  await expect(commented.getByRole('link', { name: `Großes Thema ${busy}` })).toBeVisible();
  await commented.getByRole('link', { name: `Großes Thema ${busy}` }).click();
  await expect(page).toHaveURL(new RegExp(`#/queue\\?article=${busy}$`));
});
