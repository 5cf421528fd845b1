/** The moderation log, newest first, filtered by moderator, account, comment and action. */
import { useEffect, useState } from 'preact/hooks';

import type { ConsoleI18n } from '../../i18n/console';
import { accountNamed, ACTIONS, api, type LogFilter, type LogItem } from '../api';
import { AuthorDrawer } from '../author/AuthorDrawer';
import { failure } from '../failure';
import { go, href } from '../route';
import { AccountName } from './AccountName';
import { actionName, logReason } from './names';

/** `params`: the route's `moderator` and `user` (a username or `#id`), `comment`, `action`. */
interface Props { i18n: ConsoleI18n; params: URLSearchParams }

export function LogScreen({ i18n, params }: Props) {
  const { t } = i18n;
  const moderator = params.get('moderator') ?? '';
  const user = params.get('user') ?? '';
  const comment = params.get('comment') ?? '';
  const action = params.get('action') ?? '';
  const [lines, setLines] = useState<LogItem[] | null>(null);
  const [filter, setFilter] = useState<LogFilter | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [author, setAuthor] = useState<number | null>(null);

  /** The filters as the API takes them; names become ids. */
  const resolve = async (): Promise<LogFilter | string> => {
    const filter: LogFilter = {};
    for (const [who, field] of [[moderator, 'moderator_id'], [user, 'user_id']] as const) {
      if (!who) continue;
      const id = await accountNamed(who);
      if (id === null) return t('noAccountNamed', { name: who });
      filter[field] = id;
    }
    if (comment) {
      const id = Number(comment.replace(/^#/, ''));
      if (!Number.isInteger(id) || id <= 0) return t('notACommentId', { value: comment });
      filter.comment_id = id;
    }
    if (action) filter.action = action;
    return filter;
  };
  useEffect(() => {
    setLines(null);
    setError('');
    resolve()
      .then(async (found) => {
        if (typeof found === 'string') { setError(found); setLines([]); return; }
        const page = await api.log(found);
        setFilter(found);
        setLines(page.items);
        setNext(page.next_cursor ?? null);
      })
      .catch((err) => setError(failure(i18n, err)));
  }, [params.toString()]);
  const older = () =>
    filter && next && api.log(filter, next)
      .then((page) => { setLines([...(lines ?? []), ...page.items]); setNext(page.next_cursor ?? null); })
      .catch((err) => setError(failure(i18n, err)));
  const apply = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? '').trim();
    go(href('log', { moderator: value('moderator'), user: value('user'), comment: value('comment'), action: value('action') }), true);
  };

  return (
    <main class="log">
      <h2 tabIndex={-1}>{t('screen.log')}</h2>
      <form class="filters" onSubmit={apply} key={params.toString()} aria-label={t('logFilters')}>
        <label>{t('byModerator')}<input name="moderator" defaultValue={moderator} placeholder={t('nameOrId')} /></label>
        <label>{t('byAccount')}<input name="user" defaultValue={user} placeholder={t('nameOrId')} /></label>
        <label>{t('byComment')}<input name="comment" defaultValue={comment} inputMode="numeric" /></label>
        <label>{t('byAction')}
          <select name="action" defaultValue={action}>
            <option value="">{t('anyAction')}</option>
            {ACTIONS.map((a) => <option key={a} value={a}>{actionName(i18n, a)}</option>)}
          </select>
        </label>
        <button type="submit">{t('filter')}</button>
        <a href={href('log')}>{t('clearFilters')}</a>
      </form>
      {error && <p role="alert">{error}</p>}
      {lines === null ? !error && <p>{t('loading')}</p> : lines.length === 0 ? <p>{t('logEmpty')}</p> : (
        <table class="log-lines">
          <caption class="sr-only">{t('screen.log')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('when')}</th><th scope="col">{t('byModerator')}</th><th scope="col">{t('byAction')}</th>
              <th scope="col">{t('byComment')}</th><th scope="col">{t('byAccount')}</th><th scope="col">{t('reasonAndNote')}</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l) => (
              <tr key={l.id} data-log={l.id}>
                <td>{i18n.date(l.at)}</td>
                <td>{l.actor ? <a href={href('log', { moderator: l.actor.username })}>{l.actor.username}</a> : <em>{t('automatic')}</em>}</td>
                <td>{actionName(i18n, l.action)}</td>
                <td>{l.comment_id != null && <a href={href('log', { comment: l.comment_id })} aria-label={t('commentLog', { id: l.comment_id })}>#{l.comment_id}</a>}</td>
                <td>{l.user_id != null && <AccountName i18n={i18n} id={l.user_id} onOpen={setAuthor} />}</td>
                <td>{[l.reason && logReason(i18n, l.reason), l.note].filter(Boolean).join(' · ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && <button type="button" onClick={older}>{t('olderEntries')}</button>}
      {author !== null && <AuthorDrawer i18n={i18n} id={author} ban={false} onClose={() => setAuthor(null)} />}
    </main>
  );
}
