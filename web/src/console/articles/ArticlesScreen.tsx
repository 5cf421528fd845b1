/** Articles: find one by key or title, see its counts, and change how it takes comments. */
import { useEffect, useState } from 'preact/hooks';

import type { ConsoleI18n } from '../../i18n/console';
import { api, type Article, type ArticleView } from '../api';
import { failure } from '../failure';
import { go, href } from '../route';
import { ArticleCard } from './ArticleCard';

export const SORTS = ['newest', 'pending', 'reported', 'recent'] as const;
type Sort = (typeof SORTS)[number];

/** `params`: the route's `q` (text in the key or title) and `sort`. */
interface Props { i18n: ConsoleI18n; params: URLSearchParams }

export function ArticlesScreen({ i18n, params }: Props) {
  const { t } = i18n;
  const search = params.get('q') ?? '';
  const named = params.get('sort') as Sort | null;
  const sort: Sort = named && SORTS.includes(named) ? named : 'newest';
  const [articles, setArticles] = useState<Article[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState('');
  const fail = (err: unknown) => setError(failure(i18n, err));

  useEffect(() => {
    setArticles(null);
    setError('');
    api.articles(search, sort).then((page) => { setArticles(page.items); setNext(page.next_cursor ?? null); }).catch(fail);
  }, [search, sort]);
  const more = () =>
    next && api.articles(search, sort, next)
      .then((page) => { setArticles([...(articles ?? []), ...page.items]); setNext(page.next_cursor ?? null); })
      .catch(fail);
  const find = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    go(href('articles', { q: String(form.get('q')).trim(), sort: form.get('sort') === 'newest' ? undefined : String(form.get('sort')) }), true);
  };
  const changed = (view: ArticleView) =>
    setArticles((before) => (before ?? []).map((a) => (a.key === view.key ? { ...a, ...view } : a)));

  return (
    <main class="articles">
      <h2 tabIndex={-1}>{t('screen.articles')}</h2>
      <form role="search" class="filters" onSubmit={find} key={`${search}|${sort}`}>
        <label>{t('findArticle')}<input name="q" type="search" defaultValue={search} maxLength={512} /></label>
        <label>{t('order')}
          <select name="sort" defaultValue={sort}>
            {SORTS.map((s) => <option key={s} value={s}>{t(`sort.${s}`)}</option>)}
          </select>
        </label>
        <button type="submit">{t('search')}</button>
      </form>
      {error && <p role="alert">{error}</p>}
      {articles === null ? !error && <p>{t('loading')}</p> : articles.length === 0 ? <p>{t('noArticles')}</p> : (
        <ul class="article-list" aria-label={t('screen.articles')}>
          {articles.map((a) => <ArticleCard key={a.key} i18n={i18n} article={a} onChange={changed} />)}
        </ul>
      )}
      {next && <button type="button" onClick={more}>{t('more')}</button>}
    </main>
  );
}
