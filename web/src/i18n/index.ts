import { en, type Messages } from './en';

export type { Messages };
type Key = keyof Messages;
type PluralKey = { [K in Key]: Messages[K] extends string ? never : K }[Key];
type TextKey = Exclude<Key, PluralKey>;

/** Where language files put their texts: a page loads only the languages it shows. */
type Registry = { Tribune?: { _langs?: Record<string, Messages> } };

/** Called by a language file (`lang-de.ts`, …) when it loads. */
export function register(lang: string, messages: Messages) {
  const w = window as unknown as Registry;
  const tribune = (w.Tribune ??= {});
  (tribune._langs ??= {})[lang] = messages;
}

/** The base language of `wanted` (`de-AT` → `de`). */
export const baseOf = (wanted: string) => wanted.toLowerCase().split('-')[0];

/** Whether the texts of `lang` (a base language) are here; English always is. */
export const isLoaded = (lang: string) =>
  lang === 'en' || !!(window as unknown as Registry).Tribune?._langs?.[lang];

/** A language's texts, with `{name}` placeholders filled and plurals chosen by `Intl`. */
export interface I18n {
  lang: string;
  t(key: TextKey, values?: Record<string, string | number>): string;
  plural(key: PluralKey, n: number): string;
  date(iso: string): string;
  has(key: string): key is TextKey;
}

/** The texts for `wanted` (`de`, `de-AT`, …), falling back to English (also while its file
 * is not loaded: see `loadLanguage` in the thread bundle). */
export function i18n(wanted: string): I18n {
  const languages: Record<string, Messages> = { ...(window as unknown as Registry).Tribune?._langs, en };
  const base = baseOf(wanted);
  const lang = languages[base] ? base : 'en';
  const messages = languages[lang];
  const plurals = new Intl.PluralRules(lang);
  const numbers = new Intl.NumberFormat(lang);
  const dates = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' });
  const fill = (text: string, values: Record<string, string | number> = {}) =>
    text.replace(/\{(\w+)\}/g, (_, name: string) =>
      typeof values[name] === 'number' ? numbers.format(values[name] as number) : String(values[name] ?? ''));
  return {
    lang,
    t: (key, values) => fill(messages[key] as string, values),
    plural(key, n) {
      const forms = messages[key] as { one: string; other: string };
      return fill(plurals.select(n) === 'one' ? forms.one : forms.other, { n });
    },
    date: (iso) => dates.format(new Date(iso)),
    has: (key): key is TextKey => key in messages && typeof messages[key as Key] === 'string',
  };
}
