/**
 * What the specs share: the two origins, a small API client to arrange and check state
 * (as a reader, a moderator or the publisher's login system), and the publisher's pages.
 */
import { createHmac, randomUUID } from 'node:crypto';

import { expect, type Page } from '@playwright/test';

import { ADMIN, SSO_SECRET } from './setup';

export const TRIBUNE = process.env.TRIBUNE as string;
export const SITE = process.env.SITE as string;

/** Where screenshots go: `SCREENSHOTS=screenshots` refreshes the README's. */
export const shot = (name: string) => `${process.env.SCREENSHOTS ?? 'test-results/screenshots'}/${name}.png`;

/** A name no other test uses (the database is shared by the run). */
export const unique = (prefix: string) => `${prefix}${randomUUID().slice(0, 8)}`;

export async function api<T = any>(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${TRIBUNE}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export interface Reader {
  id: number;
  username: string;
  token: string;
  password: string;
}

/** A registered reader, named `prefix` and a random suffix (or exactly `name`). */
export async function registerReader(prefix = 'leser', name?: string): Promise<Reader> {
  const username = name ?? unique(prefix);
  const password = 'correct horse battery';
  const res = await api('POST', '/auth/register', undefined, { username, email: `${username}@example.de`, password });
  expect(res.status).toBe(201);
  return { id: res.body.user.id, username, token: res.body.access_token, password };
}

let admin: string | undefined;
export async function adminToken(): Promise<string> {
  if (!admin) {
    const res = await api('POST', '/auth/login', undefined, { login: ADMIN.username, password: ADMIN.password });
    expect(res.status).toBe(200);
    admin = res.body.access_token as string;
  }
  return admin;
}

export async function postComment(reader: Reader, article: string, body: string, parent?: number) {
  const res = await api('POST', '/comments', reader.token, { article, body, parent_id: parent ?? null });
  expect(res.status).toBe(201);
  return res.body;
}

export async function comments(article: string, token?: string) {
  const res = await api('GET', `/comments?article=${encodeURIComponent(article)}&limit=100`, token);
  expect(res.status).toBe(200);
  return res.body;
}

export async function countOf(article: string): Promise<number> {
  const res = await api('GET', `/counts?article=${encodeURIComponent(article)}`);
  return res.body.counts[article];
}

/** A token from the publisher's login system (HS256, single use by its `jti`). */
export function ssoToken(sub: string, username: string): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, username, iat: now, exp: now + 300, jti: randomUUID() })}`;
  return `${head}.${createHmac('sha256', SSO_SECRET).update(head).digest('base64url')}`;
}

/** Puts `html` on the publisher's site at `path` and returns its URL. */
export async function publish(path: string, html: string): Promise<string> {
  const res = await fetch(`${SITE}${path}`, { method: 'PUT', body: html });
  expect(res.status).toBe(204);
  return `${SITE}${path}`;
}

export interface ThreadOptions {
  lang?: string;
  dir?: string;
  sso?: string;
  head?: string;
  extra?: string;
  attrs?: string;
}

/** An article page with the thread snippet, exactly as EMBED.md gives it. */
export function articlePage(article: string, o: ThreadOptions = {}): string {
  return `<!doctype html><html lang="${o.lang ?? 'en'}"${o.dir ? ` dir="${o.dir}"` : ''}><head><meta charset="utf-8"><title>${article}</title>${o.head ?? ''}</head>
<body><main><h1>Article ${article}</h1>
<div id="tribune-thread" data-tribune-article="${article}"${o.sso ? ` data-tribune-sso="${o.sso}"` : ''} ${o.attrs ?? ''}></div>
<script async src="${TRIBUNE}/embed.js"></script>${o.extra ?? ''}</main></body></html>`;
}

/** Opens an article page on the publisher's origin and waits for its thread. */
export async function openThread(page: Page, article: string, o: ThreadOptions = {}) {
  const url = await publish(`/${unique('a')}.html`, articlePage(article, o));
  const ready = page.waitForEvent('console', { predicate: (m) => m.text() === 'tribune:ready', timeout: 10_000 }).catch(() => undefined);
  await page.addInitScript(() => document.addEventListener('tribune:ready', () => console.log('tribune:ready')));
  await page.goto(url);
  await ready;
  return page.locator('#tribune-thread');
}
