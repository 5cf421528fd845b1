import { expect, test } from '@playwright/test';

import { adminToken, api, postComment, registerReader, unique } from './helpers';
import { ADMIN } from './setup';
import { registerModerator, seriousViolations, signInAsAdmin } from './console';

test('an admin changes the settings; what the API refuses is shown beside its field', async ({ page }) => {
  const admin = await adminToken();
  const before = (await api('GET', '/admin/settings', admin)).body;
  try {
    await signInAsAdmin(page, '#/settings');
    const banned = unique('verboten');
    await page.getByLabel('Banned words (rejected at once)').fill([...before.banned_words, banned].join('\n'));
    await page.getByLabel('Edit window (seconds)').fill('1200');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.getByRole('status')).toHaveText('Settings saved; they apply to the next comment.');
    const saved = (await api('GET', '/admin/settings', admin)).body;
    expect(saved.banned_words).toContain(banned);
    expect(saved.edit_window_seconds).toBe(1200);
    // The change is in force: a comment with the word is rejected.
    const rejected = await postComment(await registerReader(), unique('wort'), `Das ist ${banned}!`);
    expect(rejected.status).toBe('rejected');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Edit window (seconds)').fill('9999999');
    await page.getByLabel('Longest comment (characters)').fill('0');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.locator('#edit_window_seconds-error')).toHaveText('must be between 0 and 604800');
    await expect(page.locator('#max_comment_length-error')).toHaveText('must be between 1 and 20000');
    const field = page.getByLabel('Edit window (seconds)');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveAccessibleDescription('must be between 0 and 604800');
    await expect(field).toBeFocused();
    await expect(page.getByRole('alert')).toHaveText('Not saved: see the marked fields.');
    expect((await api('GET', '/admin/settings', admin)).body.edit_window_seconds).toBe(1200);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Edit window (seconds)').fill('zehn');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect(page.locator('#edit_window_seconds-error')).toHaveText('must be a whole number');
  } finally {
    expect((await api('PUT', '/admin/settings', admin, before)).status).toBe(200);
  }
});

test('an admin finds an account and makes it a moderator; the last admin cannot step down', async ({ page }) => {
  const candidate = await registerReader('kandidat');
  expect((await api('GET', '/mod/queue', candidate.token)).status).toBe(403);
  await signInAsAdmin(page, '#/roles');
  await page.getByLabel('Find an account').fill(candidate.username);
  await page.getByRole('button', { name: 'Search' }).click();
  const row = page.locator(`[data-account="${candidate.id}"]`);
  await expect(row).toContainText('Reader');
  await expect(row).toContainText(`${candidate.username}@example.de`);
  await row.getByLabel(`New role for ${candidate.username}`).selectOption('moderator');
  await row.getByRole('button', { name: `Change role of ${candidate.username}` }).click();
  await expect(row.getByRole('status')).toHaveText(`${candidate.username} is now Moderator.`);
  await expect(row.getByRole('cell', { name: 'Moderator', exact: true })).toBeVisible();
  const standing = await api('GET', `/mod/users/${candidate.id}`, await adminToken());
  expect(standing.body.role).toBe('moderator');
  expect((await api('GET', '/mod/queue', candidate.token)).status).toBe(200);
  expect(await seriousViolations(page)).toEqual([]);

  await page.getByLabel('Find an account').fill(ADMIN.username);
  await page.getByRole('button', { name: 'Search' }).click();
  const me = page.locator('tr', { has: page.getByRole('rowheader', { name: ADMIN.username, exact: true }) });
  await me.getByLabel(`New role for ${ADMIN.username}`).selectOption('reader');
  await me.getByRole('button', { name: `Change role of ${ADMIN.username}` }).click();
  await expect(me.getByRole('alert')).toHaveText('Something went wrong: The last admin cannot give up the admin role.');
  const admins = await api('GET', `/mod/users?q=${ADMIN.username}`, await adminToken());
  expect(admins.body.items.find((u: any) => u.username === ADMIN.username).role).toBe('admin');
});

test('a moderator gets no settings from the API even by typing the address', async ({ page }) => {
  const mod = await registerModerator();
  expect((await api('GET', '/admin/settings', mod.token)).status).toBe(403);
  await page.goto(`${process.env.TRIBUNE}/moderate/#/roles`);
  await page.getByLabel('Username or email').fill(mod.username);
  await page.getByLabel('Password').fill(mod.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Only administrators see this screen.');
  await expect(page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Roles' })).toHaveCount(0);
});
