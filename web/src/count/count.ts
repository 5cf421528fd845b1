/**
 * `/count.js`: fills every `data-tribune-count` element with its article's comment
 * count, in one cacheable `GET /api/v1/counts` per 100 keys (sorted, so pages sharing
 * keys share answers), and again, past the browser's cache, after a post in a thread on
 * the page. No UI library: it stays under 1 KB gzipped.
 */
(() => {
  const w = window as unknown as { Tribune?: { recount?: () => void; _api?: string } };
  const script = document.currentScript as HTMLScriptElement | null;
  const api = new URL(script?.src ?? '/', location.href).origin;
  const words: Record<string, [string, string]> = {
    de: ['Kommentar', 'Kommentare'],
    en: ['comment', 'comments'],
    vi: ['bình luận', 'bình luận'],
  };

  function text(el: HTMLElement, n: number): string {
    const lang = el.closest<HTMLElement>('[lang]')?.lang || 'en';
    const one = new Intl.PluralRules(lang).select(n) === 'one';
    const format = (one && el.dataset.tribuneFormatOne) || el.dataset.tribuneFormat;
    const number = n.toLocaleString(lang);
    if (format) return format.replace('{n}', number);
    const forms = words[lang.split('-')[0].toLowerCase()] ?? words.en;
    return `${number} ${forms[one ? 0 : 1]}`;
  }

  // `fresh`: past the browser's cache (after this reader's own post, the cached answer is
  // up to 10 s old); the server's answer is exact either way.
  function recount(fresh?: boolean) {
    const elements = [...document.querySelectorAll<HTMLElement>('[data-tribune-count]')];
    const keys = [...new Set(elements.map((el) => el.dataset.tribuneCount as string))].sort();
    for (let i = 0; i < keys.length; i += 100) {
      const query = new URLSearchParams();
      for (const key of keys.slice(i, i + 100)) query.append('article', key);
      fetch(`${api}/api/v1/counts?${query}`, { credentials: 'omit', cache: fresh ? 'no-cache' : 'default' })
        .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
        .then(({ counts }: { counts: Record<string, number> }) => {
          for (const el of elements) {
            const n = counts[el.dataset.tribuneCount as string];
            if (n !== undefined) el.textContent = text(el, n);
          }
        })
        .catch(() => {
          // The page keeps its own text.
        });
    }
  }

  (w.Tribune ??= {}).recount = () => recount();
  // A post in a thread on this page changes the counts shown beside it.
  document.addEventListener('tribune:posted', () => recount(true));
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => recount());
  else recount();
})();
