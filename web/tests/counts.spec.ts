import { expect, test } from '@playwright/test';

import { postComment, publish, registerReader, unique } from './helpers';

test('150 count elements take 2 requests and show localised counts; recount() counts added ones', async ({ page }) => {
  const prefix = unique('zahl');
  const anna = await registerReader();
  await postComment(anna, `${prefix}-0`, 'eins');
  await postComment(anna, `${prefix}-1`, 'eins');
  await postComment(anna, `${prefix}-1`, 'zwei');
  await postComment(anna, `${prefix}-150`, 'spät');
  const spans = Array.from({ length: 150 }, (_, i) => `<li><a href="/a/${i}"><span data-tribune-count="${prefix}-${i}">Kommentare</span></a></li>`).join('');
  const html = `<!doctype html><html lang="de"><body><ul>${spans}</ul>
<p><span id="tpl" data-tribune-count="${prefix}-1" data-tribune-format="Kommentare ({n})" data-tribune-format-one="Ein Kommentar">…</span>
<span id="tpl1" data-tribune-count="${prefix}-0" data-tribune-format="Kommentare ({n})" data-tribune-format-one="Ein Kommentar">…</span>
<span id="en" lang="en" data-tribune-count="${prefix}-1">comments</span>
<span id="vi" lang="vi" data-tribune-count="${prefix}-1">bình luận</span></p>
<script async src="${process.env.TRIBUNE}/count.js"></script></body></html>`;
  const requests: string[] = [];
  page.on('request', (r) => r.url().includes('/api/v1/counts') && requests.push(r.url()));
  await page.goto(await publish(`/${unique('liste')}.html`, html));
  const el = (key: string) => page.locator(`li [data-tribune-count="${key}"]`);
  await expect(el(`${prefix}-1`)).toHaveText('2 Kommentare');
  await expect(el(`${prefix}-0`)).toHaveText('1 Kommentar');
  await expect(el(`${prefix}-2`)).toHaveText('0 Kommentare');
  await expect(el(`${prefix}-149`)).not.toHaveText('Kommentare');
  await expect(page.locator('#tpl')).toHaveText('Kommentare (2)');
  await expect(page.locator('#tpl1')).toHaveText('Ein Kommentar');
  await expect(page.locator('#en')).toHaveText('2 comments');
  await expect(page.locator('#vi')).toHaveText('2 bình luận');
  expect(requests).toHaveLength(2);

  await page.evaluate((key) => {
    const span = document.createElement('span');
    span.id = 'later';
    span.dataset.tribuneCount = key;
    document.body.append(span);
    (window as any).Tribune.recount();
  }, `${prefix}-150`);
  await expect(page.locator('#later')).toHaveText('1 Kommentar');
  expect(requests.length).toBeGreaterThan(2);
});
