import { expect, test } from '@playwright/test';

import { adminToken, api, comments, openThread, postComment, registerReader, ssoToken, unique } from './helpers';

test('a reader likes a comment, takes the like back and reports another', async ({ page }) => {
  const article = unique('liken');
  const anna = await registerReader('anna');
  const good = await postComment(anna, article, 'Ein guter Beitrag');
  const bad = await postComment(anna, article, 'Kaufen Sie billige Uhren');
  const thread = await openThread(page, article, { sso: ssoToken(unique('sub'), unique('carla')) });
  await expect(thread.getByText(/^Signed in as /)).toBeVisible();

  const like = thread.locator(`#c${good.id}`).getByRole('button', { name: /^Like/ });
  await expect(like).toHaveAttribute('aria-pressed', 'false');
  await like.click();
  await expect(like).toHaveAttribute('aria-pressed', 'true');
  await expect(like).toContainText('1 like');
  expect((await comments(article)).comments.find((c: any) => c.id === good.id).likes).toBe(1);
  await like.click();
  await expect(like).toHaveAttribute('aria-pressed', 'false');
  await expect(like).toContainText('0 likes');
  expect((await comments(article)).comments.find((c: any) => c.id === good.id).likes).toBe(0);

  const item = thread.locator(`#c${bad.id}`);
  await item.getByRole('button', { name: 'Report' }).click();
  await item.getByLabel('Reason').selectOption('other');
  await item.getByRole('button', { name: 'Send report' }).click();
  // `other` needs a note: the API's refusal is shown in words.
  await expect(item.getByRole('alert')).toContainText('the note');
  await item.getByLabel(/^Note/).fill('Werbung für Uhren');
  await item.getByRole('button', { name: 'Send report' }).click();
  await expect(thread.getByRole('status')).toHaveText('Thank you. The report was sent to the moderators.');

  const queue = await api('GET', `/mod/queue?queue=reported&article=${article}`, await adminToken());
  expect(queue.status).toBe(200);
  expect(queue.body.items).toHaveLength(1);
  expect(queue.body.items[0]).toMatchObject({ id: bad.id, flags: { other: 1 } });
  expect(JSON.stringify(queue.body.items[0].flag_notes)).toContain('Werbung für Uhren');

  // A second report is refused, in words.
  await item.getByRole('button', { name: 'Report' }).click();
  await item.getByRole('button', { name: 'Send report' }).click();
  await expect(item.getByRole('alert')).toHaveText('You have reported this comment already.');
});
