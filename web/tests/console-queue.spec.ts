import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';

import { api, comments, countOf, postComment, registerReader, unique } from './helpers';
import { heldComments, registerModerator, signIn } from './console';

test('approve and reject from the queue: the count follows and the author sees the reasons', async ({ page }) => {
  const article = unique('queue');
  const anna = await registerReader();
  const [first, second] = await heldComments(article, anna, ['Erster wartender Beitrag', 'Zweiter wartender Beitrag']);
  await signIn(page, await registerModerator(), `?article=${article}`);
  const total = page.locator('.total[data-queue=pending]');
  await expect(total).toHaveText('2');
  const card = page.locator(`[data-comment="${first}"]`);
  await expect(card).toContainText('Erster wartender Beitrag');
  await expect(card).toContainText('Why it is here: the article is pre-moderated');
  await card.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toContainText(`Comment ${first}: Approved.`);
  await expect(total).toHaveText('1');
  await expect(page.locator(`[data-comment="${second}"]`)).toBeFocused();
  expect(await countOf(article)).toBe(1);

  await page.locator(`[data-comment="${second}"]`).getByRole('button', { name: 'Reject' }).click();
  const dialog = page.getByRole('dialog', { name: 'Reject comment' });
  await dialog.getByLabel('Reason for rejecting').selectOption('off_topic');
  await dialog.getByLabel('Note (optional)').fill('Bitte beim Thema bleiben');
  await dialog.getByRole('button', { name: 'Reject' }).click();
  await expect(page.getByRole('status')).toContainText(`Comment ${second}: Rejected.`);
  await expect(total).toHaveText('0');
  expect(await countOf(article)).toBe(1);
  const own = (await comments(article, anna.token)).comments.find((c: any) => c.id === second);
  expect(own.status).toBe('rejected');
  expect(own.rejection_reason).toBe('off_topic');
});

test('bulk approval of selected cards, and undo of the last decision', async ({ page }) => {
  const article = unique('bulk');
  const ids = await heldComments(article, await registerReader(), ['Eins', 'Zwei', 'Drei']);
  await signIn(page, await registerModerator(), `?article=${article}`);
  for (const id of ids.slice(0, 2)) await page.locator(`[data-comment="${id}"]`).getByLabel('Select').check();
  await page.getByRole('button', { name: 'Approve selected' }).click();
  await expect(page.locator('.total[data-queue=pending]')).toHaveText('1');
  expect(await countOf(article)).toBe(2);

  await page.locator(`[data-comment="${ids[2]}"]`).getByRole('button', { name: 'Approve' }).click();
  await expect(page.locator('.total[data-queue=approved]')).toHaveText('3');
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByRole('status')).toContainText(`Decision on comment ${ids[2]} undone.`);
  await expect(page.locator('.total[data-queue=pending]')).toHaveText('1');
  expect(await countOf(article)).toBe(2);
});

test('totals update while the console is open when a reader posts', async ({ page }) => {
  const article = unique('poll');
  const bert = await registerReader();
  await heldComments(article, bert, ['Schon da']);
  await signIn(page, await registerModerator(), `?article=${article}`);
  const total = page.locator('.total[data-queue=pending]');
  await expect(total).toHaveText('1');
  await postComment(bert, article, 'Neu, während die Konsole offen ist');
  await expect(total).toHaveText('2', { timeout: 15_000 });
});

test('axe finds no serious or critical violations in the queue and the reject dialog', async ({ page }) => {
  const article = unique('axeq');
  const reader = await registerReader();
  const [parent] = await heldComments(article, reader, ['Ein Kommentar mit [Link](https://example.org)']);
  expect((await api('POST', `/mod/comments/${parent}/approve`, reader.token)).status).toBe(403);
  await postComment(reader, article, 'Eine Antwort', parent);
  await signIn(page, await registerModerator(), `?article=${article}`);
  await expect(page.locator('.card')).toHaveCount(2);
  await expect(page.locator('.parent')).toContainText('Ein Kommentar mit');
  for (const open of [false, true]) {
    if (open) await page.locator('.card').first().getByRole('button', { name: 'Reject' }).click();
    const result = await new AxeBuilder({ page }).analyze();
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
  }
});
