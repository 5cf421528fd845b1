import { expect, test } from '@playwright/test';

import { api, registerReader, unique } from './helpers';
import { heldComments, registerModerator, seriousViolations, signIn } from './console';

test('appeals: the moderator who decided first is told why they cannot decide; another reverses with a note', async ({ page }) => {
  const article = unique('einspruch');
  const author = await registerReader('autorin');
  const [id] = await heldComments(article, author, ['Das ist keine Werbung, sondern ein Hinweis.']);
  const first = await registerModerator();
  const second = await registerModerator();
  expect((await api('POST', `/mod/comments/${id}/reject`, first.token, { reason: 'advertising', note: 'Link zum Shop' })).status).toBe(200);
  const filed = await api('POST', `/comments/${id}/appeal`, author.token, { text: 'Ich verkaufe nichts.' });
  expect(filed.status).toBe(201);
  const appealId = filed.body.appeal.id as number;

  await signIn(page, first, '#/appeals');
  const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: new RegExp(`^Appeal ${appealId} by ${author.username}`) }) });
  await expect(page.getByRole('link', { name: 'Appeals' })).toHaveAttribute('aria-current', 'page');
  await expect(card).toContainText(`rejected`);
  await expect(card).toContainText(`by ${first.username}`);
  await expect(card).toContainText('reason: Advertising');
  await expect(card).toContainText('Note for the log: Link zum Shop');
  await expect(card).toContainText('Das ist keine Werbung, sondern ein Hinweis.');
  await expect(card).toContainText('Ich verkaufe nichts.');
  await expect(card.getByRole('note')).toHaveText(/^You took this decision, so you cannot decide the appeal against it/);
  await expect(card.getByRole('button', { name: 'Reverse the decision' })).toHaveCount(0);
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, second, '#/appeals');
  await expect(card.getByRole('button', { name: 'Reverse the decision' })).toBeDisabled();
  await card.getByLabel('Note to the author (required; they read it)').fill('Stimmt, das ist ein Hinweis.');
  await card.getByRole('button', { name: 'Reverse the decision' }).click();
  await expect(page.getByRole('status')).toHaveText(`Appeal ${appealId}: Reversed.`);
  await expect(card).toHaveCount(0);
  expect(await seriousViolations(page)).toEqual([]);

  // The effect, through the API: the comment is approved again, the appeal decided with the note.
  expect((await api('GET', `/comments/${id}`)).body.status).toBe('approved');
  const decided = (await api('GET', '/mod/appeals?state=decided&limit=100', second.token)).body.items.find((a: any) => a.id === appealId);
  expect(decided.state).toBe('reversed');
  expect(decided.outcome.note).toBe('Stimmt, das ist ein Hinweis.');
  expect(decided.outcome.decided_by.username).toBe(second.username);

  await page.getByRole('link', { name: 'Decided' }).click();
  await expect(page).toHaveURL(/#\/appeals\?state=decided$/);
  await expect(card).toContainText(`Reversed by ${second.username}`);
  await expect(card).toContainText('Stimmt, das ist ein Hinweis.');
});
