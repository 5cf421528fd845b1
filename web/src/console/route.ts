/**
 * Where the console is: the screen and its filters live in the address's fragment
 * (`#/articles?q=wahl`), so a reload, the back button and a shared link keep them.
 */
import { useEffect, useState } from 'preact/hooks';

export const SCREENS = ['queue', 'appeals', 'articles', 'dashboard', 'log', 'settings', 'roles'] as const;
export type Screen = (typeof SCREENS)[number];
/** Screens only admins see (the API refuses the others). */
export const ADMIN_SCREENS: readonly Screen[] = ['settings', 'roles'];

export interface Route {
  screen: Screen;
  params: URLSearchParams;
}

/** The route a fragment names; anything else is the queue. */
export function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const screen = (SCREENS as readonly string[]).includes(path) ? (path as Screen) : 'queue';
  return { screen, params: new URLSearchParams(query) };
}

/** The fragment of a screen with its filters (empty ones left out). */
export function href(screen: Screen, params: Record<string, string | number | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(name, String(value));
  const rest = query.toString();
  return `#/${screen}${rest ? `?${rest}` : ''}`;
}

/** Goes to `fragment`; `replace` keeps the back button from stepping through filters. */
export function go(fragment: string, replace = false) {
  if (replace) {
    history.replaceState(null, '', fragment);
    dispatchEvent(new HashChangeEvent('hashchange'));
  } else location.hash = fragment;
}

/**
 * Older links put the queue's article in the query (`/moderate/?article=K`): they move
 * into the fragment, so clearing the filter clears it for good.
 */
export function adoptLegacyQuery() {
  const search = new URLSearchParams(location.search);
  const article = search.get('article');
  if (article === null || location.hash.startsWith('#/')) return;
  search.delete('article');
  const rest = search.toString();
  history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${href('queue', { article })}`);
}

/** The current route, following the fragment. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const follow = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return route;
}
