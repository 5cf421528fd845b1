/**
 * One article: its counts, whether it takes comments, its moderation mode; close,
 * reopen, schedule a closing, switch pre/post-moderation, open its comments in the queue.
 */
import { useState } from 'preact/hooks';

import type { ConsoleI18n } from '../../i18n/console';
import { api, type Article, type ArticleUpdate, type ArticleView } from '../api';
import { failure } from '../failure';
import { href } from '../route';
import { ArticleTitle } from './ArticleTitle';

interface Props { i18n: ConsoleI18n; article: Article; onChange(view: ArticleView): void }

const MODES = ['default', 'pre', 'post'] as const;

export function ArticleCard({ i18n, article, onChange }: Props) {
  const { t } = i18n;
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const closed = article.status === 'closed';
  const scheduled = !closed && article.closes_at ? article.closes_at : null;
  const change = (changes: ArticleUpdate, done: string) => {
    setError('');
    api.changeArticle(article.key, changes)
      .then((view) => { onChange(view); setStatus(done); })
      .catch((err) => setError(failure(i18n, err)));
  };
  // A closing time that has passed keeps the article closed: reopening clears it.
  const reopen = () => change({ status: 'open', closes_at: null }, t('reopened'));
  const schedule = (e: Event) => {
    e.preventDefault();
    const at = String(new FormData(e.currentTarget as HTMLFormElement).get('at'));
    change({ closes_at: new Date(at).toISOString() }, t('scheduled', { at: i18n.date(new Date(at).toISOString()) }));
  };
  const moderate = (e: Event) => {
    e.preventDefault();
    const mode = String(new FormData(e.currentTarget as HTMLFormElement).get('moderation'));
    change({ moderation: mode }, t('moderationSet', { mode: t(`mode.${mode as (typeof MODES)[number]}`) }));
  };
  const id = `article-${Array.from(article.key, (c) => (/\w/.test(c) ? c : `-${c.codePointAt(0)}`)).join('')}`;
  return (
    <li class="article" aria-labelledby={id} data-article={article.key}>
      <h3 id={id}><ArticleTitle article={article} /></h3>
      <p class="meta">
        <code>{article.key}</code> · <strong>{closed ? t('closed') : t('open')}</strong>
        {scheduled && <> · {t('closesAt', { at: i18n.date(scheduled) })}</>} · {t(`mode.${article.moderation}`)}
      </p>
      <p class="counts">{t('articleCounts', { approved: article.comment_count, pending: article.pending_count, reported: article.reported_count })}</p>
      <div class="actions">
        <a href={href('queue', { article: article.key })}>{t('openInQueue')}</a>
        {closed
          ? <button type="button" onClick={reopen}>{t('reopen')}</button>
          : <button type="button" onClick={() => change({ status: 'closed' }, t('closedNow'))}>{t('closeArticle')}</button>}
      </div>
      <details>
        <summary>{t('articleSettings')}</summary>
        <form class="inline" onSubmit={schedule}>
          <label for={`${id}-at`}>{t('closeAt')}</label><input id={`${id}-at`} type="datetime-local" name="at" required />
          <button type="submit">{t('schedule')}</button>
          {scheduled && <button type="button" onClick={() => change({ closes_at: null }, t('unscheduled'))}>{t('unschedule')}</button>}
        </form>
        <form class="inline" onSubmit={moderate}>
          <label for={`${id}-mode`}>{t('moderationMode')}</label>
          <select id={`${id}-mode`} name="moderation" defaultValue={article.moderation}>
            {MODES.map((m) => <option key={m} value={m}>{t(`mode.${m}`)}</option>)}
          </select>
          <button type="submit">{t('apply')}</button>
        </form>
      </details>
      <p role="status" class="hint">{status}</p>
      {error && <p role="alert">{error}</p>}
    </li>
  );
}
