/** One appeal: what was decided and by whom, the comment, the author's text, the outcome or the form. */
import { useState } from 'preact/hooks';

import type { Account } from '../../api/client';
import type { ConsoleI18n, ConsoleKey } from '../../i18n/console';
import { type Appeal, api, REASONS } from '../api';
import { failure } from '../failure';

interface Props { i18n: ConsoleI18n; appeal: Appeal; me: Account; onDecided(appeal: Appeal): void }

export function AppealCard({ i18n, appeal: a, me, onDecided }: Props) {
  const { t, date } = i18n;
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const d = a.decision;
  const author = a.appellant?.username ?? t('erased');
  const reason = (REASONS as readonly (string | null | undefined)[]).includes(d.reason) ? t(`reason.${d.reason}` as ConsoleKey) : d.reason;
  // Nobody judges their own decision, nor their own appeal (the API refuses it too).
  const own = d.actor?.id === me.id ? 'ownDecision' : a.appellant?.id === me.id ? 'ownAppeal' : null;
  const decide = async (outcome: 'upheld' | 'reversed') => {
    setBusy(true);
    setError('');
    try {
      onDecided(await api.decideAppeal(a.id, outcome, note.trim()));
    } catch (err) {
      setError(failure(i18n, err));
    } finally {
      setBusy(false);
    }
  };
  const noteId = `appeal-note-${a.id}`;
  return (
    <li class="card" aria-labelledby={`appeal-${a.id}`}>
      <h3 id={`appeal-${a.id}`}>{t('appealBy', { id: a.id, name: author, date: date(a.filed_at) })}</h3>
      <p>
        <strong>{t('appealedDecision')}:</strong>{' '}
        {t(`action.${d.action}` as ConsoleKey)}, {date(d.at)}, {d.actor ? t('decidedBy', { name: d.actor.username }) : t('decidedAutomatically')}
        {reason && <> · {t('reasonIs', { reason })}</>}
      </p>
      {d.note && <p class="muted">{t('logNote', { note: d.note })}</p>}
      {a.comment && (
        <div>
          <p class="muted">{t('article')}: {a.comment.article.title ?? a.comment.article.key}</p>
          <div class="body" dangerouslySetInnerHTML={{ __html: a.comment.html }} />
        </div>
      )}
      <p><strong>{t('appealText')}:</strong></p>
      <blockquote class="appeal-text">{a.text}</blockquote>
      {a.outcome ? (
        <p>
          <strong>{t(`outcome.${a.state === 'reversed' ? 'reversed' : 'upheld'}`)}</strong>{' '}
          {t('outcomeBy', { name: a.outcome.decided_by?.username ?? '—', date: date(a.outcome.decided_at) })}
          {a.outcome.note && <> · {a.outcome.note}</>}
        </p>
      ) : own ? (
        <p role="note" class="notice">{t(own)}</p>
      ) : (
        <form class="appeal-form" onSubmit={(e) => e.preventDefault()}>
          <label for={noteId}>{t('outcomeNote')}</label>
          <textarea id={noteId} required maxLength={2000} rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          {error && <p role="alert">{error}</p>}
          <div class="actions">
            <button type="button" disabled={busy || !note.trim()} onClick={() => decide('upheld')}>{t('uphold')}</button>
            <button type="button" disabled={busy || !note.trim()} onClick={() => decide('reversed')}>{t('reverse')}</button>
          </div>
        </form>
      )}
    </li>
  );
}
