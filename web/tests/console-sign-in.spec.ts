import { expect, test } from '@playwright/test';

import { api, registerReader } from './helpers';
import { registerModerator, signIn } from './console';

test('a reader who signs in to the console is told they have no access', async ({ page }) => {
  const reader = await registerReader();
  await signIn(page, reader);
  await expect(page.getByRole('alert')).toHaveText(/has no access to moderation/);
  await expect(page.getByRole('navigation', { name: 'Queues' })).toHaveCount(0);
});

test('a moderator signs in, the session survives a reload, and signing out ends it', async ({ page }) => {
  const mod = await registerModerator();
  await signIn(page, mod);
  await expect(page.getByRole('navigation', { name: 'Queues' })).toBeVisible();
  await page.reload();
  await expect(page.getByText(`Signed in as ${mod.username}`)).toBeVisible();
  const stored = await page.evaluate(() => Object.values(localStorage).find((v) => v.includes('refresh')) as string);
  const { refresh } = JSON.parse(stored) as { refresh: string };
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByLabel('Username or email')).toBeVisible();
  // The session is over on the server too: its refresh token no longer works.
  expect((await api('POST', '/auth/refresh', undefined, { refresh_token: refresh })).status).toBe(401);
});

test('the console speaks German', async ({ page }) => {
  const mod = await registerModerator();
  await page.goto(`${process.env.TRIBUNE}/moderate/?lang=de`);
  await page.getByLabel('Benutzername oder E-Mail').fill(mod.username);
  await page.getByLabel('Passwort').fill(mod.password);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await expect(page.getByRole('button', { name: /^Wartend/ })).toBeVisible();
});
