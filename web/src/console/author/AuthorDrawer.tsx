/** The author drawer: standing, every comment, the log, notes, ban and unban. */
import { useEffect, useRef, useState } from 'preact/hooks';

import type { ConsoleI18n } from '../../i18n/console';
import { api, forgetStanding, type Item, type LogItem, type Note, type Standing } from '../api';
import { failure } from '../failure';
import { actionName, logReason } from '../log/names';

interface Props { i18n: ConsoleI18n; id: number; ban: boolean; onClose(): void }

const DAY = 86_400_000;

/** When a ban of `duration` (`permanent`, `1`, `7` days or `custom`) ends, as ISO or null. */
export function banUntil(duration: string, custom: string): string | null {
  if (duration === 'permanent') return null;
  if (duration === 'custom') return new Date(custom).toISOString();
  return new Date(Date.now() + Number(duration) * DAY).toISOString();
}

export function AuthorDrawer({ i18n, id, ban, onClose }: Props) {
  const { t } = i18n;
  const dialog = useRef<HTMLDialogElement>(null);
  const [user, setUser] = useState<Standing | null>(null);
  const [comments, setComments] = useState<Item[]>([]);
  const [log, setLog] = useState<LogItem[]>([]);
  const [notes, setNotes] = useState<Note[]>([]);
  const [duration, setDuration] = useState('permanent');
  const [error, setError] = useState('');
  const fail = (err: unknown) => setError(failure(i18n, err));
  const load = () => Promise.all([
    api.user(id).then(setUser), api.userComments(id).then((p) => setComments(p.items)),
    api.userLog(id).then((p) => setLog(p.items)), api.notes(id).then((p) => setNotes(p.items)),
  ]).catch(fail);
  useEffect(() => { dialog.current?.showModal(); void load(); }, [id]);

  const addNote = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const body = String(new FormData(form).get('body')).trim();
    void api.addNote(id, body).then(() => { form.reset(); return load(); }).catch(fail);
  };
  const doBan = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const until = banUntil(duration, String(form.get('custom') ?? ''));
    forgetStanding(id);
    void api.ban(id, String(form.get('reason')), until, form.get('reject') === 'on').then(load).catch(fail);
  };
  const unban = () => { forgetStanding(id); void api.unban(id).then(load).catch(fail); };

  return (
    <dialog ref={dialog} class="drawer" aria-labelledby="author-title" onCancel={onClose}>
      <h2 id="author-title">{user?.username ?? '…'}</h2>
      <button type="button" class="close" onClick={onClose}>{t('close')}</button>
      {error && <p role="alert">{error}</p>}
      {user && (
        <p>{t('standing', { since: i18n.date(user.created_at), approved: user.approved_count, rejected: user.rejected_count })}
          {user.status === 'banned' && <strong> · {user.banned_until ? t('bannedUntil', { until: i18n.date(user.banned_until) }) : t('banned')}</strong>}</p>
      )}
      {user?.status === 'banned' ? <button type="button" onClick={unban}>{t('unban')}</button> : (
        <form onSubmit={doBan} class="ban">
          <h3>{t('ban')}</h3>
          <label>{t('banReason')}<input name="reason" required autoFocus={ban} /></label>
          <fieldset><legend>{t('duration')}</legend>
            {[['permanent', t('permanent')], ['1', t('day1')], ['7', t('day7')], ['custom', t('custom')]].map(([v, l]) => (
              <label key={v}><input type="radio" name="duration" value={v} checked={duration === v} onChange={() => setDuration(v)} /> {l}</label>
            ))}
            {duration === 'custom' && <label>{t('custom')}<input type="datetime-local" name="custom" required /></label>}
          </fieldset>
          <label><input type="checkbox" name="reject" /> {t('rejectPending')}</label>
          <button type="submit">{t('ban')}</button>
        </form>
      )}
      <section aria-labelledby="notes-title">
        <h3 id="notes-title">{t('notes')}</h3>
        <form onSubmit={addNote}>
          <label>{t('newNote')}<textarea name="body" required maxLength={2000} /></label>
          <button type="submit">{t('addNote')}</button>
        </form>
        <ul class="notes">
          {notes.map((n) => (
            <li key={n.id}>{n.body} <small>— {n.author?.username} · {i18n.date(n.created_at)}</small>{' '}
              <button type="button" onClick={() => void api.deleteNote(n.id).then(load).catch(fail)}>{t('deleteNote')}</button></li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="comments-title">
        <h3 id="comments-title">{t('comments')}</h3>
        <ul>{comments.map((c) => <li key={c.id}><code>{c.status}</code> {c.article.title ?? c.article.key}: {c.body}</li>)}</ul>
      </section>
      <section aria-labelledby="log-title">
        <h3 id="log-title">{t('log')}</h3>
        <ul>{log.map((l) => <li key={l.id}>{i18n.date(l.at)} · {l.actor ? `${l.actor.username}: ` : ''}{actionName(i18n, l.action)}{l.reason ? ` (${logReason(i18n, l.reason)})` : ''}</li>)}</ul>
      </section>
    </dialog>
  );
}
