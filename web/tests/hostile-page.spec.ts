import { expect, test } from '@playwright/test';

import { comments, openThread, postComment, registerReader, ssoToken, unique, shot } from './helpers';

test("a page whose own CSS is hostile still shows a usable thread", async ({ page }) => {
  const article = unique('feindlich');
  const anna = await registerReader();
  await postComment(anna, article, 'Trotz allem lesbar');
  const hostile = '<style>* { all: unset } div { display: none !important } button, textarea { visibility: hidden !important; font-size: 2px !important }</style>';
  const thread = await openThread(page, article, { head: hostile, sso: ssoToken(unique('sub'), unique('robust')) });
  await expect(thread).toBeVisible();
  await expect(thread.getByText('Trotz allem lesbar')).toBeVisible();
  const box = await thread.getByRole('button', { name: 'Post comment' }).boundingBox();
  expect(box && box.width > 40 && box.height > 20).toBeTruthy();
  await thread.getByLabel('Your comment').fill('Auch hier kann man schreiben');
  await thread.getByRole('button', { name: 'Post comment' }).click();
  await expect(thread.getByRole('status')).toHaveText('Your comment is published.');
  expect((await comments(article)).comments.map((c: any) => c.body)).toContain('Auch hier kann man schreiben');
  await page.screenshot({ path: shot('hostile-page') });
});

test('publishers theme the thread through custom properties', async ({ page }) => {
  const article = unique('thema');
  const anna = await registerReader();
  await postComment(anna, article, 'Bunt');
  const thread = await openThread(page, article, {
    head: '<style>#tribune-thread{--tribune-accent:rgb(200, 0, 0);--tribune-text:rgb(0, 0, 120);--tribune-font:monospace}</style>',
    sso: ssoToken(unique('sub'), unique('farbe')),
  });
  const button = thread.getByRole('button', { name: 'Post comment' });
  await expect(button).toHaveCSS('background-color', 'rgb(200, 0, 0)');
  await expect(thread.locator('section.t')).toHaveCSS('color', 'rgb(0, 0, 120)');
  await expect(thread.locator('section.t')).toHaveCSS('font-family', 'monospace');
});

test('a page with a strict Content-Security-Policy needs only Tribune in script-src and connect-src', async ({ page }) => {
  const article = unique('csp');
  const anna = await registerReader();
  await postComment(anna, article, 'Auch mit CSP');
  const tribune = process.env.TRIBUNE as string;
  const csp = `default-src 'none'; script-src ${tribune}; connect-src ${tribune}; style-src 'none'`;
  const violations: string[] = [];
  page.on('console', (m) => m.text().includes('Content Security Policy') && violations.push(m.text()));
  const thread = await openThread(page, article, { head: `<meta http-equiv="Content-Security-Policy" content="${csp}">` });
  await expect(thread.getByText('Auch mit CSP')).toBeVisible();
  await expect(thread.getByRole('button', { name: 'Sign in' })).toHaveCSS('border-top-style', 'solid');
  expect(violations).toEqual([]);
});
