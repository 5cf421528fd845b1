import { useRef, useState } from 'preact/hooks';

import { useModel } from './context';

let forms = 0;

/** A text box with a send button: a new comment, a reply or an edit. */
export function CommentForm(props: {
  label: string;
  submit: string;
  initial?: string;
  onSend: (body: string) => Promise<unknown>;
  onCancel?: () => void;
}) {
  const model = useModel();
  const [body, setBody] = useState(props.initial ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const id = useRef(`f${++forms}`).current;
  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await props.onSend(body);
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
      {error && <p id={`${id}-e`} class="error" role="alert">{error}</p>}
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>{props.submit}</button>
        {props.onCancel && <button type="button" onClick={props.onCancel}>{model.i18n.t('cancel')}</button>}
      </div>
    </form>
  );
}
