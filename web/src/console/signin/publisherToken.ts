/**
 * A publisher token handed over in the address's fragment (`/moderate/#sso=<JWT>`): the
 * publisher's login system sends its staff there. A fragment never reaches a server
 * (no access log, no Referer holds it); it is removed from the address bar at once, so
 * it stays out of the history and of bookmarks too.
 */
export function takePublisherToken(): string | null {
  const match = /^#sso=([^&]+)/.exec(location.hash);
  if (!match) return null;
  history.replaceState(null, '', `${location.pathname}${location.search}#/queue`);
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}
