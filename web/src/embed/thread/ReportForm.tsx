import { useState } from 'preact/hooks';

import type { Comment, FlagReason } from '../../api/client';
import { useModel } from './context';

const REASONS: FlagReason[] = ['spam', 'abuse', 'off_topic', 'illegal_content', 'other'];

/** Reporting a comment to the moderators, with a reason and a note. */
export function ReportForm(props: { comment: Comment; onDone: () => void }) {
  const model = useModel();
  const { t } = model.i18n;
  const [reason, setReason] = useState<FlagReason>('spam');
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const id = `r${props.comment.id}`;
  const send = async (e: Event) => {
    e.preventDefault();
    try {
      await model.report(props.comment, reason, note);
      props.onDone();
    } catch (err) {
      setError(model.fail(err));
    }
  };
  return (
    <form class="form report" onSubmit={send}>
      <label for={`${id}-r`}>{t('reportReason')}</label>
      <select id={`${id}-r`} value={reason} autoFocus onChange={(e) => setReason(e.currentTarget.value as FlagReason)}>
        {REASONS.map((r) => <option value={r} key={r}>{t(`flag_${r}`)}</option>)}
      </select>
      <label for={`${id}-n`}>{t('reportNote')}</label>
      <textarea id={`${id}-n`} rows={2} dir="auto" value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      {error && <p class="error" role="alert">{error}</p>}
      <div class="row">
        <button type="submit" class="primary">{t('sendReport')}</button>
        <button type="button" onClick={props.onDone}>{t('cancel')}</button>
      </div>
    </form>
  );
}
