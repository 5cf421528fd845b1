import { expect, test } from '@playwright/test';

import { adminToken, api, ssoToken, TRIBUNE, unique } from './helpers';

/** The account a publisher `sub` was given on its first sign-on. */
async function accountOf(username: string) {
  const found = await api('GET', `/mod/users?q=${encodeURIComponent(username)}`, await adminToken());
  return found.body.items.find((u: any) => u.username === username);
}

test('a publisher link signs a reader on and refuses them; once a moderator, the same link admits them', async ({ page }) => {
  const sub = unique('redaktion-');
  const name = unique('desk_');
  await page.goto(`${TRIBUNE}/moderate/#sso=${ssoToken(sub, name)}`);
  await expect(page.getByRole('alert')).toHaveText(/has no access to moderation/);
  // The token left the address at once (history, bookmarks, screenshots).
  expect(page.url()).not.toContain('sso=');
  await expect(page.getByRole('navigation', { name: 'Screens' })).toHaveCount(0);
  const account = await accountOf(name);
  expect(account.role).toBe('reader');

  expect((await api('PUT', `/admin/users/${account.id}/role`, await adminToken(), { role: 'moderator' })).status).toBe(200);
  await page.goto('about:blank');
  await page.goto(`${TRIBUNE}/moderate/#sso=${ssoToken(sub, name)}`);
  await expect(page.getByText(`Signed in as ${name}`)).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Screens' })).toBeVisible();
  await expect(page).toHaveURL(/\/moderate\/#\/queue$/);
});

test('a publisher token pasted into the sign-in page; a bad one is refused in words', async ({ page }) => {
  const sub = unique('verlag-');
  const name = unique('lena_');
  const first = await api('POST', '/auth/sso', undefined, { token: ssoToken(sub, name) });
  expect(first.status).toBe(200);
  await api('PUT', `/admin/users/${first.body.user.id}/role`, await adminToken(), { role: 'moderator' });

  await page.goto(`${TRIBUNE}/moderate/`);
  await page.getByLabel('Publisher token').fill('not.a.token');
  await page.getByRole('button', { name: 'Continue with this token' }).click();
  await expect(page.getByRole('alert')).toContainText('Something went wrong:');
  await page.getByLabel('Publisher token').fill(ssoToken(sub, name));
  await page.getByRole('button', { name: 'Continue with this token' }).click();
  await expect(page.getByText(`Signed in as ${name}`)).toBeVisible();
  await expect(page.getByRole('button', { name: /^Pending/ })).toBeVisible();
});
