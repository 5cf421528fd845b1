import { expect, test } from '@playwright/test';

import { adminToken, api, postComment, registerReader, shot } from './helpers';
import { signIn } from './console';

test('the console on a morning shift, and its screenshots (queue, author drawer, dashboard)', async ({ page }) => {
  await page.setViewportSize({ width: 1100, height: 900 });
  const admin = await adminToken();
  const article = 'demo-haushalt-2027';
  await api('PUT', `/mod/articles?article=${article}`, admin, {
    title: 'Haushalt 2027: Stadt plant Rekordinvestitionen in Schulen',
    url: 'https://www.example.de/lokales/haushalt-2027',
    moderation: 'pre',
  });
  const [carla, dieter, elif, frank] = await Promise.all(['Carla_M', 'Dieter.S', 'Elif_Y', 'Frank_W'].map((n) => registerReader('', n)));
  const lena = await registerReader('', 'Redaktion_Lena');
  await api('PUT', `/admin/users/${lena.id}/role`, admin, { role: 'moderator' });
  const first = await postComment(carla, article, 'Endlich wird in die **Schulen** investiert. Die Turnhalle bei uns ist seit drei Jahren gesperrt.');
  await api('POST', `/mod/comments/${first.id}/approve`, lena.token, {});
  await postComment(dieter, article, 'Und wer bezahlt das? Die Gewerbesteuer steigt schon wieder, das trifft die kleinen Betriebe.', first.id);
  await postComment(elif, article, 'Die Zahlen stehen hier: [Haushaltsentwurf](https://www.example.de/haushalt.pdf) – Seite 12 lohnt sich.');
  await postComment(frank, article, 'Typisch, alles Geldverschwendung. Die im Rathaus sollten sich schämen!!!');
  const reported = await postComment(frank, 'demo-radweg-ring', 'Radfahrer gehören nicht auf die Straße, Punkt.');
  for (const flagger of [carla, elif]) {
    await api('POST', `/comments/${reported.id}/flags`, flagger.token, { reason: 'abuse', note: 'Pauschal und abwertend' });
  }
  for (let i = 0; i < 5; i++) await postComment(carla, 'demo-radweg-ring', `Meinung ${i + 1} zum Ring`);
  await api('POST', `/mod/users/${frank.id}/notes`, lena.token, { body: 'Zweimal wegen Pauschalurteilen verwarnt.' });

  await signIn(page, lena, `#/queue?article=${article}`);
  await expect(page.locator('.card')).toHaveCount(3);
  await expect(page.locator('.card .author').first()).toContainText('Member since');
  await expect(page.locator('.card .parent')).toContainText('Endlich wird');
  await page.locator('.card').first().focus();
  await page.screenshot({ path: shot('console-queue') });

  await page.locator('.card').nth(2).getByRole('button', { name: 'Open author Frank_W' }).click();
  const drawer = page.getByRole('dialog', { name: 'Frank_W' });
  await expect(drawer.locator('.notes')).toContainText('Zweimal wegen Pauschalurteilen verwarnt.');
  await expect(drawer).toContainText('Radfahrer gehören nicht');
  // Tall enough for the drawer's comments and log too.
  await page.setViewportSize({ width: 1100, height: 1300 });
  await page.screenshot({ path: shot('console-author') });
  await drawer.getByRole('button', { name: 'Close' }).click();
  await page.setViewportSize({ width: 1100, height: 900 });

  await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Dashboard' }).click();
  await expect(page.getByRole('img', { name: /per hour/ })).toBeVisible();
  await expect(page.locator('.ranking').first()).toContainText('Haushalt 2027');
  await page.screenshot({ path: shot('console-dashboard'), fullPage: true });
});
