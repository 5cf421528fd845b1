import { expect, test } from '@playwright/test';

import { TRIBUNE } from './helpers';
import { registerModerator, signIn, signInAsAdmin } from './console';

test('a moderator moves between screens by keyboard; the address names the screen and a reload keeps it', async ({ page }) => {
  await signIn(page, await registerModerator());
  const nav = page.getByRole('navigation', { name: 'Screens' });
  await expect(nav.getByRole('link')).toHaveText(['Queues', 'Appeals', 'Articles', 'Dashboard', 'Log']);
  await expect(nav.getByRole('link', { name: 'Queues' })).toHaveAttribute('aria-current', 'page');

  // From the top of a freshly loaded page: Sign out, then the screens.
  await page.reload();
  await expect(page.getByText('Signed in as')).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(nav.getByRole('link', { name: 'Articles' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/moderate\/#\/articles$/);
  // The new screen's heading takes the focus, so a screen reader starts there.
  await expect(page.getByRole('heading', { level: 2, name: 'Articles' })).toBeFocused();
  await expect(nav.getByRole('link', { name: 'Articles' })).toHaveAttribute('aria-current', 'page');
  await expect(page).toHaveTitle('Articles – Tribune moderation');

  await nav.getByRole('link', { name: 'Log' }).click();
  await expect(page).toHaveURL(/#\/log$/);
  await page.reload();
  await expect(page.getByRole('heading', { level: 2, name: 'Log' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Log' })).toHaveAttribute('aria-current', 'page');
  await page.goBack();
  await expect(page.getByRole('heading', { level: 2, name: 'Articles' })).toBeVisible();

  // The admins' screens are not offered, and typed in they say so.
  await page.goto(`${TRIBUNE}/moderate/#/settings`);
  await expect(page.getByRole('alert')).toHaveText('Only administrators see this screen.');
});

test('an admin also has Settings and Roles; the queue filter lives in the address', async ({ page }) => {
  await signInAsAdmin(page, '#/queue?queue=rejected&article=nirgends');
  const nav = page.getByRole('navigation', { name: 'Screens' });
  await expect(nav.getByRole('link')).toHaveText(['Queues', 'Appeals', 'Articles', 'Dashboard', 'Log', 'Settings', 'Roles']);
  await expect(page.getByRole('button', { name: /^Rejected/ })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByLabel('Filter by article key')).toHaveValue('nirgends');
  await page.getByRole('button', { name: /^Reported/ }).click();
  await expect(page).toHaveURL(/#\/queue\?queue=reported&article=nirgends$/);
  await page.getByLabel('Filter by article key').fill('');
  await page.getByLabel('Filter by article key').press('Enter');
  await expect(page).toHaveURL(/#\/queue\?queue=reported$/);
  // Older links with ?article= still open the filtered queue.
  await page.goto(`${TRIBUNE}/moderate/?article=alt`);
  await expect(page).toHaveURL(/\/moderate\/#\/queue\?article=alt$/);
  await expect(page.getByLabel('Filter by article key')).toHaveValue('alt');
});
