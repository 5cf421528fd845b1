/** What the console's specs share: a moderator, held comments, and the signed-in console. */
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

import { adminToken, api, postComment, type Reader, registerReader, TRIBUNE } from './helpers';
import { ADMIN } from './setup';

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

/**
 * Opens the console at `/moderate/` + `query` (`?lang=de`, `#/articles`, `#/queue?article=K`)
 * and signs in as `who` through its form.
 */
export async function signIn(page: Page, who: Pick<Reader, 'username' | 'password'>, query = '') {
  await page.goto(`${TRIBUNE}/moderate/${query}`);
  await page.getByLabel('Username or email').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in to the console as the run's admin (made by `tribune user create`). */
export async function signInAsAdmin(page: Page, query = '') {
  await signIn(page, ADMIN, query);
  await expect(page.getByText(`Signed in as ${ADMIN.username}`)).toBeVisible();
}

/** The session the console keeps in `localStorage`. */
export async function storedSession(page: Page): Promise<{ access: string; refresh: string; expires: number }> {
  return page.evaluate(() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith('tribune:')) as string) as string));
}

/** Serious and critical axe violations on the page as it is now (none expected). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  return bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`);
}
