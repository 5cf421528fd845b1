/** Sign-in with a Tribune account; a reader's account is told it has no access. */
import { useState } from 'preact/hooks';

import { ApiError } from '../../api/client';
import type { ConsoleI18n } from '../../i18n/console';
import { session } from '../api';

export function SignIn({ i18n, refused }: { i18n: ConsoleI18n; refused: boolean }) {
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setError('');
    try {
      await session.login(String(form.get('login')), String(form.get('password')));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <main class="signin">
      {refused && <p role="alert">{i18n.t('noAccess')}</p>}
      {!refused && (
        <form onSubmit={submit}>
          <h2>{i18n.t('signIn')}</h2>
          <label>{i18n.t('login')}<input name="login" autocomplete="username" required /></label>
          <label>{i18n.t('password')}<input name="password" type="password" autocomplete="current-password" required /></label>
          {error && <p role="alert">{i18n.t('error', { detail: error })}</p>}
          <button type="submit">{i18n.t('signIn')}</button>
        </form>
      )}
    </main>
  );
}
