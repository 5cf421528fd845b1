/**
 * Sign-in with a Tribune account, or with a token from the publisher's login system
 * (pasted here, or handed over in the address as `#sso=`); a reader's account, however
 * it signed in, is told it has no access.
 */
import { useState } from 'preact/hooks';

import type { ConsoleI18n } from '../../i18n/console';
import { api, session } from '../api';
import { failure } from '../failure';

interface Props {
  i18n: ConsoleI18n;
  refused: boolean;
  /** A publisher token from the address is being exchanged. */
  signing: boolean;
  /** Why that exchange failed. */
  ssoError: string;
}

export function SignIn({ i18n, refused, signing, ssoError }: Props) {
  const { t } = i18n;
  const [error, setError] = useState('');
  const [tokenError, setTokenError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setError('');
    try {
      await session.login(String(form.get('login')), String(form.get('password')));
    } catch (err) {
      setError(failure(i18n, err));
    }
  };
  const withToken = async (e: Event) => {
    e.preventDefault();
    const token = String(new FormData(e.currentTarget as HTMLFormElement).get('token')).trim();
    setTokenError('');
    try {
      await api.sso(token);
    } catch (err) {
      setTokenError(failure(i18n, err));
    }
  };
  if (refused) return <main class="signin"><p role="alert">{t('noAccess')}</p></main>;
  return (
    <main class="signin">
      {signing && <p role="status">{t('signingInThroughPublisher')}</p>}
      <form onSubmit={submit}>
        <h2>{t('signIn')}</h2>
        <label>{t('login')}<input name="login" autocomplete="username" required /></label>
        <label>{t('password')}<input name="password" type="password" autocomplete="current-password" required /></label>
        {error && <p role="alert">{error}</p>}
        <button type="submit">{t('signIn')}</button>
      </form>
      <form onSubmit={withToken} class="publisher">
        <h2>{t('publisherSignIn')}</h2>
        <p class="hint">{t('publisherHint')}</p>
        <label>{t('publisherToken')}<input name="token" autocomplete="off" spellcheck={false} required /></label>
        {(tokenError || ssoError) && <p role="alert">{tokenError || ssoError}</p>}
        <button type="submit">{t('useToken')}</button>
      </form>
    </main>
  );
}
