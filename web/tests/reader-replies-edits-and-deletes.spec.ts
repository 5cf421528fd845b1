import { expect, test } from '@playwright/test';

import { api, comments, countOf, openThread, postComment, registerReader, ssoToken, unique } from './helpers';

test('a reader replies to a comment, edits the reply and deletes it', async ({ page }) => {
  const article = unique('antworten');
  const anna = await registerReader('anna');
  const parent = await postComment(anna, article, 'Was meinen Sie?');
  const sub = unique('sub');
  const thread = await openThread(page, article, { sso: ssoToken(sub, unique('ben')) });
  await expect(thread.getByText(/^Signed in as /)).toBeVisible();

  await thread.locator(`#c${parent.id}`).getByRole('button', { name: 'Reply' }).click();
  await thread.getByLabel(`Your reply to ${anna.username}`).fill('Ich meine: ja.');
  await thread.getByRole('button', { name: 'Post reply' }).click();
  await expect(thread.getByRole('status')).toHaveText('Your comment is published.');
  let stored = (await comments(article)).comments[0];
  expect(stored.replies).toHaveLength(1);
  const reply = stored.replies[0];
  expect(reply).toMatchObject({ parent_id: parent.id, depth: 1, body: 'Ich meine: ja.' });
  await expect(thread.locator(`#c${reply.id}`)).toBeFocused();
  expect(await countOf(article)).toBe(2);

  // Someone else's comment offers no edit or delete.
  await expect(thread.locator(`#c${parent.id}`).getByRole('button', { name: 'Edit' })).toHaveCount(0);
  await expect(thread.locator(`#c${parent.id}`).getByRole('button', { name: 'Delete' })).toHaveCount(0);

  const mine = thread.locator(`#c${reply.id}`);
  await mine.getByRole('button', { name: 'Edit' }).click();
  await mine.getByLabel('Edit').fill('Ich meine: eher ja.');
  await mine.getByRole('button', { name: 'Save' }).click();
  await expect(thread.getByRole('status')).toHaveText('Your changes are saved.');
  await expect(mine.getByText('Ich meine: eher ja.')).toBeVisible();
  await expect(mine.getByText('(edited)')).toBeVisible();
  stored = (await comments(article)).comments[0];
  expect(stored.replies[0].body).toBe('Ich meine: eher ja.');
  expect(stored.replies[0].edited_at).not.toBeNull();

  await mine.getByRole('button', { name: 'Delete' }).click();
  await mine.getByRole('group', { name: 'Delete this comment for good?' }).getByRole('button', { name: 'Delete' }).click();
  await expect(thread.getByRole('status')).toHaveText('Your comment was deleted.');
  await expect(thread.getByText('Ich meine: eher ja.')).toHaveCount(0);
  expect((await comments(article)).comments[0].replies).toHaveLength(0);
  expect(await countOf(article)).toBe(1);
  expect((await api('GET', `/comments/${reply.id}`)).status).toBe(404);
});
