/** What the console's specs share: a moderator, held comments, and the signed-in console. */
import { expect, type Page } from '@playwright/test';

import { adminToken, api, postComment, type Reader, registerReader, TRIBUNE } from './helpers';

/** A reader made moderator by the admin. */
export async function registerModerator(): Promise<Reader> {
  const mod = await registerReader('mod');
  expect((await api('PUT', `/admin/users/${mod.id}/role`, await adminToken(), { role: 'moderator' })).status).toBe(200);
  return mod;
}

/** A pre-moderated article with `bodies` posted by `author`, all pending; their ids. */
export async function heldComments(article: string, author: Reader, bodies: string[]): Promise<number[]> {
  expect((await api('PUT', `/mod/articles?article=${article}`, await adminToken(), { moderation: 'pre' })).status).toBe(200);
  const ids: number[] = [];
  for (const body of bodies) ids.push((await postComment(author, article, body)).id);
  return ids;
}

/** Opens the console (filtered to `article`) and signs in as `who` through its form. */
export async function signIn(page: Page, who: Reader, query = '') {
  await page.goto(`${TRIBUNE}/moderate/${query}`);
  await page.getByLabel('Username or email').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
