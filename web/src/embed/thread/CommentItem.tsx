import { useEffect, useRef, useState } from 'preact/hooks';

import type { Comment } from '../../api/client';
import { CommentForm } from './CommentForm';
import { useModel, useUser } from './context';
import { ReportForm } from './ReportForm';

/** The edit window the service uses unless configured otherwise; a later edit is refused with `edit_window_passed`. */
const EDIT_WINDOW_MS = 900_000;

type Open = 'none' | 'reply' | 'edit' | 'report' | 'delete';

/** One comment with its actions, and the replies below it. */
export function CommentItem(props: { comment: Comment; replies: Map<number, Comment[]>; closed: boolean }) {
  const { comment: c, replies } = props;
  const model = useModel();
  const user = useUser(model);
  const { t, plural, date } = model.i18n;
  const [open, setOpen] = useState<Open>('none');
  const [error, setError] = useState('');
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (model.state.focus === c.id) {
      ref.current?.focus();
      model.state.focus = null;
    }
  });
  const mine = !!user && c.author?.id === user.id;
  const act = (action: () => Promise<unknown>) => async () => {
    setError('');
    try {
      await action();
    } catch (err) {
      setError(model.fail(err));
    }
  };
  const toggle = (what: Open) => () => setOpen(open === what ? 'none' : what);
  // An imported comment's author has no account here, only the name they used there.
  const name = c.author?.username ?? c.imported_author?.display_name ?? t('anonymous');
  const children = replies.get(c.id) ?? [];
  const editable = mine && c.status !== 'rejected' && Date.now() - Date.parse(c.created_at) < EDIT_WINDOW_MS;
  const live = c.status !== 'deleted';
  return (
    <li>
      <article ref={ref} tabIndex={-1} id={`c${c.id}`} class={`comment ${c.status}`} aria-label={name}>
        {live ? (
          <>
            <header class="row">
              <strong dir="auto">{name}</strong>
              {c.imported_author && <span class="muted">({t('imported')})</span>}
              <time dateTime={c.created_at}>{date(c.created_at)}</time>
              {c.edited_at && <span class="muted">({t('edited')})</span>}
            </header>
            {c.status !== 'approved' && <Verdict comment={c} />}
            {open === 'edit' ? (
              <CommentForm label={t('edit')} submit={t('save')} initial={c.body}
                onSend={async (body) => { await model.edit(c, body); setOpen('none'); }} onCancel={toggle('edit')} />
            ) : (
              <div class="body" dir="auto" dangerouslySetInnerHTML={{ __html: c.html }} />
            )}
            <div class="row actions">
              {c.status === 'approved' && (
                <button type="button" aria-pressed={c.liked_by_me} disabled={!user || mine}
                  onClick={act(() => model.like(c, !c.liked_by_me))}>
                  {t('like')} <span class="muted">{plural('likes', c.likes)}</span>
                </button>
              )}
              {user && !props.closed && c.status === 'approved' && (
                <button type="button" aria-expanded={open === 'reply'} onClick={toggle('reply')}>{t('reply')}</button>
              )}
              {editable && <button type="button" aria-expanded={open === 'edit'} onClick={toggle('edit')}>{t('edit')}</button>}
              {mine && <button type="button" aria-expanded={open === 'delete'} onClick={toggle('delete')}>{t('delete')}</button>}
              {mine && user.email_verified && (
                <button type="button" aria-pressed={c.id in model.state.subs} onClick={act(() => model.notify(c, !(c.id in model.state.subs)))}>{t('notifyReplies')}</button>
              )}
              {user && !mine && c.status === 'approved' && (
                <button type="button" aria-expanded={open === 'report'} onClick={toggle('report')}>{t('report')}</button>
              )}
            </div>
            {open === 'delete' && (
              <div class="row confirm" role="group" aria-label={t('confirmDelete')}>
                <span>{t('confirmDelete')}</span>
                <button type="button" class="danger" autoFocus onClick={act(() => model.remove(c))}>{t('delete')}</button>
                <button type="button" onClick={toggle('delete')}>{t('cancel')}</button>
              </div>
            )}
            {error && <p class="error" role="alert">{error}</p>}
            {open === 'report' && <ReportForm comment={c} onDone={() => setOpen('none')} />}
            {open === 'reply' && (
              <CommentForm label={t('yourReply', { name })} submit={t('postReply')} notify
                onSend={async (body, notify) => { await model.post(body, c, notify); setOpen('none'); }} onCancel={toggle('reply')} />
            )}
          </>
        ) : (
          <p class="muted">{t('deleted')}</p>
        )}
      </article>
      {children.length > 0 && (
        <ul class="replies">
          {children.map((r) => <CommentItem key={r.id} comment={r} replies={replies} closed={props.closed} />)}
        </ul>
      )}
    </li>
  );
}

/** What happened to the reader's own comment that is not published, and why. */
function Verdict(props: { comment: Comment }) {
  const { t, has } = useModel().i18n;
  const c = props.comment;
  const why = `why_${c.moderation_reason ?? ''}`;
  const statement = `reject_${c.rejection_reason ?? ''}`;
  return (
    <div class="verdict" role="note">
      <strong>{t(c.status === 'pending' ? 'statusPending' : 'statusRejected')}</strong>
      {has(why) && <span> {t(why)}</span>}
      {c.rejection_reason && <span> {t('statement', { reason: has(statement) ? t(statement) : c.rejection_reason })}</span>}
    </div>
  );
}
