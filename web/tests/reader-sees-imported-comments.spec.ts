import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

import { expect, test } from '@playwright/test';

import { openThread } from './helpers';

test('a reader sees comments imported from Disqus under their authors’ names, marked as imported', async ({ page }) => {
  const imported = spawnSync(process.env.TRIBUNE_BIN_USED!, ['import', '--format', 'disqus', resolve('../tests/api/fixtures/disqus.xml')], {
    env: { ...process.env, TRIBUNE_DATABASE_URL: process.env.TRIBUNE_DATABASE_USED!, RUST_LOG: 'warn' },
  });
  expect(imported.status, String(imported.stderr)).toBe(0);

  const thread = await openThread(page, 'artikel-1');
  const anna = thread.locator('article', { hasText: 'Erster Kommentar: Grüße & Küsse aus Köln!' });
  await expect(anna.getByText('Anna Müller', { exact: true })).toBeVisible();
  await expect(anna.getByText('(imported)')).toBeVisible();
  // Markup from the archive is text, never HTML: the name shows its tags literally.
  const hostile = thread.locator('article', { hasText: 'klick' });
  await expect(hostile.getByText('<b>Mallory</b>', { exact: true })).toBeVisible();
  await expect(hostile.locator('script, img')).toHaveCount(0);
});
