/**
 * The thread bundle, loaded by `/embed.js` when a container nears the viewport: renders
 * threads into shadow roots and holds the reader's session for every one of them.
 */
import { render } from 'preact';

import { Session } from '../../api/client';
import { i18n } from '../../i18n';
import type { TribuneGlobal } from '../loader';
import { ModelContext } from './context';
import { type Sort, ThreadModel } from './model';
import { css } from './styles';
import { Thread } from './Thread';

const tribune = (window as unknown as { Tribune: TribuneGlobal }).Tribune;
const session = new Session(tribune._api);
const mounted = new Set<HTMLElement>();
const signOns = new Map<string, Promise<unknown>>();
const sheet = (() => {
  try {
    const constructed = new CSSStyleSheet();
    constructed.replaceSync(css);
    return constructed;
  } catch {
    return undefined;
  }
})();

const emit = (el: HTMLElement, name: string, detail?: unknown) =>
  el.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, detail }));

session.onChange((user) => {
  for (const el of mounted) emit(el, user ? 'tribune:login' : 'tribune:logout', user ?? undefined);
});

/** Signs on with a publisher token once per page, whichever thread asks first. */
function signOn(token: string): Promise<unknown> {
  let pending = signOns.get(token);
  if (!pending) {
    pending = session.sso(token);
    signOns.set(token, pending);
  }
  return pending;
}

function articleOf(el: HTMLElement) {
  const canonical = document.querySelector<HTMLLinkElement>('link[rel="canonical"]')?.href;
  const key = el.dataset.tribuneArticle || canonical || location.origin + location.pathname;
  return { key, title: el.dataset.tribuneTitle, url: el.dataset.tribuneUrl };
}

function languageOf(el: HTMLElement): string {
  return el.dataset.tribuneLang || el.closest<HTMLElement>('[lang]')?.lang || 'en';
}

/** Renders a thread into `el` (once). */
async function mount(el: HTMLElement) {
  if (mounted.has(el)) return;
  mounted.add(el);
  const shadow = el.shadowRoot ?? el.attachShadow({ mode: 'open' });
  const root = document.createElement('div');
  shadow.replaceChildren(root);
  // A constructed sheet needs no `style-src 'unsafe-inline'` in the page's CSP.
  if (sheet) shadow.adoptedStyleSheets = [sheet];
  else {
    const style = document.createElement('style');
    style.textContent = css;
    shadow.prepend(style);
  }
  const sort = (['oldest', 'newest', 'top'].includes(el.dataset.tribuneSort ?? '') ? el.dataset.tribuneSort : 'oldest') as Sort;
  const model = new ThreadModel(articleOf(el), session, i18n(languageOf(el)), (name, detail) => emit(el, name, detail), sort);
  render(<ModelContext.Provider value={model}><Thread /></ModelContext.Provider>, root);
  // The mails' link to contest a decision opens "Decisions about you" in the first thread.
  const decisions = () => {
    if (location.hash !== '#tribune-decisions' || [...mounted][0] !== el) return;
    el.scrollIntoView();
    model.showDecisions(true);
  };
  addEventListener('hashchange', decisions);
  const sso = el.dataset.tribuneSso;
  if (sso) await signOn(sso).catch((e) => model.fail(e));
  decisions();
  await model.load();
  session.onChange(() => {
    model.load();
    if (model.state.decisionsOpen) model.loadDecisions();
  });
  emit(el, 'tribune:ready', { article: model.article.key });
}

tribune._thread = {
  mount,
  login: (token: string) => signOn(token),
  logout: () => session.logout(),
};
