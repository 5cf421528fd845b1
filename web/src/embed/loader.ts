/**
 * `/embed.js`: the small, stable loader. It finds the page's thread containers and,
 * when one nears the viewport, loads the content-hashed thread bundle from the same
 * origin as itself (the API's origin) and renders the thread.
 */

/** What the thread bundle offers the loader. */
export interface ThreadBundle {
  mount(el: HTMLElement): Promise<void>;
  login(token: string): Promise<unknown>;
  logout(): Promise<void>;
}

/** `window.Tribune`, shared with `/count.js`. */
export interface TribuneGlobal {
  login(token: string): Promise<unknown>;
  logout(): Promise<void>;
  recount(): void;
  render(el: HTMLElement): void;
  /** The API origin. */
  _api: string;
  _thread?: ThreadBundle;
  /** Language files being loaded, by base language (see `loadLanguage` in the bundle). */
  _langLoads?: Record<string, Promise<void>>;
}

declare const THREAD_FILE: string;
declare const LANG_FILES: Record<string, string>;

const script = document.currentScript as HTMLScriptElement | null;
const api = new URL(script?.src ?? '/', location.href).origin;
const w = window as unknown as { Tribune?: Partial<TribuneGlobal> };
const tribune = (w.Tribune ??= {}) as TribuneGlobal;
tribune._api = api;
let bundle: Promise<ThreadBundle> | undefined;

/** Starts loading the texts of `el`'s language beside the bundle (English is in it). */
function preloadLanguage(el: HTMLElement) {
  const lang = (el.dataset.tribuneLang || el.closest<HTMLElement>('[lang]')?.lang || 'en').toLowerCase().split('-')[0];
  const loads = (tribune._langLoads ??= {});
  if (!LANG_FILES[lang] || lang in loads) return;
  loads[lang] = new Promise((done) => {
    const tag = document.createElement('script');
    tag.src = `${api}/embed/${LANG_FILES[lang]}`;
    tag.async = true;
    tag.onload = tag.onerror = () => done();
    document.head.appendChild(tag);
  });
}

function load(): Promise<ThreadBundle> {
  return (bundle ??= new Promise((resolve, reject) => {
    const tag = document.createElement('script');
    tag.src = `${api}/embed/${THREAD_FILE}`;
    tag.async = true;
    tag.onload = () => (tribune._thread ? resolve(tribune._thread) : reject(new Error('tribune: no thread bundle')));
    tag.onerror = () => {
      bundle = undefined;
      reject(new Error('tribune: the thread bundle did not load'));
    };
    document.head.appendChild(tag);
  }));
}

const observer =
  'IntersectionObserver' in window
    ? new IntersectionObserver(
        (entries) => {
          for (const entry of entries) {
            if (!entry.isIntersecting) continue;
            observer?.unobserve(entry.target);
            preloadLanguage(entry.target as HTMLElement);
            load().then((t) => t.mount(entry.target as HTMLElement));
          }
        },
        { rootMargin: '600px 0px' },
      )
    : undefined;

tribune.render = (el) => {
  // A page rule such as `div { display: none !important }` would keep the container
  // from ever nearing the viewport; only an inline important declaration beats it.
  // Publishers who want the thread hidden use the `hidden` attribute.
  if (!el.hidden) el.style.setProperty('display', 'block', 'important');
  // The mails' `#tribune-decisions` link: render at once, not when scrolled to.
  if (observer && location.hash !== '#tribune-decisions') observer.observe(el);
  else {
    preloadLanguage(el);
    load().then((t) => t.mount(el));
  }
};
tribune.login = (token) => load().then((t) => t.login(token));
tribune.logout = () => load().then((t) => t.logout());
tribune.recount ??= () => {
  // The count script defines the real one when it loads, and counts on load.
  const tag = document.createElement('script');
  tag.src = `${api}/count.js`;
  document.head.appendChild(tag);
};

function scan() {
  document.querySelectorAll<HTMLElement>('#tribune-thread, .tribune-thread[data-tribune-article]').forEach(tribune.render);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);
else scan();
