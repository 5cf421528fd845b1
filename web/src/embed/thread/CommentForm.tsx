import { useRef, useState } from 'preact/hooks';

import { useModel } from './context';

let forms = 0;

/** A text box with a send button: a new comment, a reply or an edit. */
export function CommentForm(props: {
  label: string;
  submit: string;
  initial?: string;
  /** Offer reply mails for what is sent (new comments and replies). */
  notify?: boolean;
  onSend: (body: string, notify: boolean) => Promise<unknown>;
  onCancel?: () => void;
}) {
  const model = useModel();
  const [body, setBody] = useState(props.initial ?? '');
  const [busy, setBusy] = useState(false);
  const [notify, setNotify] = useState(false);
  const user = model.session.user;
  const [error, setError] = useState('');
  const id = useRef(`f${++forms}`).current;
  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await props.onSend(body, notify && !!user?.email_verified);
      setBody('');
    } catch (err) {
      setError(model.fail(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form" onSubmit={send}>
      <label for={id}>{props.label}</label>
      <textarea id={id} value={body} rows={3} dir="auto" required aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-e` : undefined} autoFocus={props.initial !== undefined || !!props.onCancel}
        onInput={(e) => setBody(e.currentTarget.value)} />
      {props.notify && user?.email && (user.email_verified ? (
        <label class="row"><input type="checkbox" checked={notify} onChange={(e) => setNotify(e.currentTarget.checked)} />{model.i18n.t('notifyMe')}</label>
      ) : <p class="muted">{model.i18n.t('notifyVerify')}</p>)}
      {error && <p id={`${id}-e`} class="error" role="alert">{error}</p>}
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>{props.submit}</button>
        {props.onCancel && <button type="button" onClick={props.onCancel}>{model.i18n.t('cancel')}</button>}
      </div>
    </form>
  );
}
