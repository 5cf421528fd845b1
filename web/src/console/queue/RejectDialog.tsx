/** The reason picker for a rejection: a reason from the contract's list and a note. */
import { useEffect, useRef } from 'preact/hooks';

import type { ConsoleI18n } from '../../i18n/console';
import { REASONS } from '../api';

interface Props { i18n: ConsoleI18n; onCancel(): void; onReject(reason: string, note: string): void }

export function RejectDialog({ i18n, onCancel, onReject }: Props) {
  const { t } = i18n;
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => dialog.current?.showModal(), []);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    onReject(String(form.get('reason')), String(form.get('note') ?? '').trim());
  };
  return (
    <dialog ref={dialog} aria-labelledby="reject-title" onCancel={onCancel}>
      <form onSubmit={submit}>
        <h2 id="reject-title">{t('confirmReject')}</h2>
        <label>{t('rejectWith')}
          <select name="reason" autoFocus>
            {REASONS.map((r) => <option key={r} value={r}>{t(`reason.${r}`)}</option>)}
          </select>
        </label>
        <label>{t('note')}<textarea name="note" maxLength={1000} /></label>
        <button type="submit">{t('reject')}</button> <button type="button" onClick={onCancel}>{t('cancel')}</button>
      </form>
    </dialog>
  );
}
