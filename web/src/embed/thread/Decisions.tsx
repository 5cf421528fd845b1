import { useEffect, useRef, useState } from 'preact/hooks';

import type { Decision } from '../../api/client';
import { useModel, useUser } from './context';

/**
 * "Decisions about you": the signed-in reader's statements of reasons, each with how
 * it stands and, while it can be contested, the appeal form. Opened from the reader's
 * menu, or by the page's `#tribune-decisions` fragment (the link in the mails).
 */
export function Decisions() {
  const model = useModel();
  const user = useUser(model);
  const { t } = model.i18n;
  const { decisions } = model.state;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section class="decisions" aria-labelledby="d-h">
      <h3 id="d-h" tabIndex={-1} ref={heading}>{t('decisions')}</h3>
      {!user ? (
        <p>{t('decisionsSignIn')}</p>
      ) : decisions === null ? (
        <p class="muted" aria-busy="true">{t('loading')}</p>
      ) : decisions.length === 0 ? (
        <p class="muted">{t('decisionsNone')}</p>
      ) : (
        <ul class="list">{decisions.map((d) => <DecisionItem key={d.id} d={d} />)}</ul>
      )}
      <button type="button" onClick={() => model.showDecisions(false)}>{t('close')}</button>
    </section>
  );
}

function DecisionItem({ d }: { d: Decision }) {
  const model = useModel();
  const { t, date, has } = model.i18n;
  const [text, setText] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const a = d.appeal;
  const what = `act_${d.action}${d.banned_until ? '_until' : ''}`;
  const ground = [`reject_${d.reason}`, `why_${d.reason}`].find(has);
  const state = `appeal_${a.state}`;
  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await model.appeal(d, text);
    } catch (err) {
      setError(model.fail(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class="decision">
      <p>
        <strong>{has(what) ? t(what, { until: d.banned_until ? date(d.banned_until) : '' }) : d.action}</strong>{' '}
        <span class="muted">{date(d.decided_at)}</span>
      </p>
      {d.comment && (
        <>
          <p class="muted">{t('onArticle', { article: d.comment.article.title ?? d.comment.article.key, date: date(d.comment.created_at) })}</p>
          <blockquote dir="auto">{d.comment.body}</blockquote>
        </>
      )}
      {d.reason && <p>{t('ground', { reason: ground ? t(ground) : d.reason })}</p>}
      {d.statement && <p dir="auto">{t('ground', { reason: d.statement })}</p>}
      <p class="muted">{t(d.automatic ? 'byMachine' : 'byPerson')}</p>
      <p>{has(state) ? t(state, { date: a.possible_until ? date(a.possible_until) : '' }) : a.state}</p>
      {a.note && <p dir="auto">{t('appealNote', { note: a.note })}</p>}
      {a.state === 'available' && (
        <form class="form" onSubmit={send}>
          <label for={`ap-${d.id}`}>{t('yourAppeal')}</label>
          <textarea id={`ap-${d.id}`} required maxLength={5000} rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} />
          {error && <p class="error" role="alert">{error}</p>}
          <div class="row"><button type="submit" class="primary" disabled={busy}>{t('sendAppeal')}</button></div>
        </form>
      )}
    </li>
  );
}
