/**
 * The thread bundle, loaded by `/embed.js` when a container nears the viewport: renders
 * threads into shadow roots and holds the reader's session for every one of them.
 */
import { render } from 'preact';

import { Session } from '../../api/client';
import { baseOf, i18n, isLoaded } from '../../i18n';
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

/** The language files by base language (named by the build). */
declare const LANG_FILES: Record<string, string>;
const languageLoads = new Map<string, Promise<void>>();

/** Loads the texts of `wanted` unless they are here (English always is); a file that
 * does not load leaves the thread in English. */
function loadLanguage(wanted: string): Promise<void> {
  const lang = baseOf(wanted);
  const file = LANG_FILES[lang];
  if (!file || isLoaded(lang)) return Promise.resolve();
  // The loader started it beside the bundle, most likely.
  let pending = tribune._langLoads?.[lang] ?? languageLoads.get(lang);
  if (!pending) {
    pending = new Promise((done) => {
      const tag = document.createElement('script');
      tag.src = `${tribune._api}/embed/${file}`;
      tag.async = true;
      tag.onload = tag.onerror = () => done();
      document.head.appendChild(tag);
    });
    languageLoads.set(lang, pending);
  }
  return pending;
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
  const lang = languageOf(el);
  await loadLanguage(lang);
  const model = new ThreadModel(articleOf(el), session, i18n(lang), (name, detail) => emit(el, name, detail), sort);
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
