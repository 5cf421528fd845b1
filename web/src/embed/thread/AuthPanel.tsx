import { useState } from 'preact/hooks';

import { useModel, useUser } from './context';

type Mode = 'closed' | 'signIn' | 'register';

/** Who is signed in, with sign-out; or the sign-in and registration forms. */
export function AuthPanel() {
  const model = useModel();
  const user = useUser(model);
  const { t } = model.i18n;
  const [mode, setMode] = useState<Mode>('closed');
  const [fields, setFields] = useState({ login: '', username: '', email: '', password: '' });
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState('');
  if (user) {
    const open = model.state.decisionsOpen;
    return (
      <div class="auth row">
        <span>{t('signedInAs', { name: user.username })}</span>
        <button type="button" aria-expanded={open} onClick={() => model.showDecisions(!open)}>{t('decisions')}</button>
        <button type="button" onClick={() => model.session.logout()}>{t('signOut')}</button>
      </div>
    );
  }
  const field = (name: keyof typeof fields, label: string, type: 'text' | 'email' | 'password' = 'text', autocomplete: string = name) => (
    <>
      <label for={`a-${name}`}>{label}</label>
      <input id={`a-${name}`} type={type as 'text'} required autoComplete={autocomplete} value={fields[name]}
        onInput={(e) => setFields({ ...fields, [name]: e.currentTarget.value })} />
    </>
  );
  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const s = model.session;
      const lang = model.i18n.lang as 'de' | 'en' | 'vi';
      const answer = await (mode === 'register'
        ? s.register(fields.username, fields.email, fields.password, lang)
        : s.login(fields.login, fields.password));
      // Taken addresses hidden: no session until the mailed link verified the address.
      if (!('id' in answer)) setPending(t('checkMail', { email: answer.email }));
      setMode('closed');
    } catch (err) {
      setError(model.fail(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="auth">
      <p class="row">
        <span>{t('joinToComment')}</span>
        <button type="button" aria-expanded={mode === 'signIn'} onClick={() => setMode(mode === 'signIn' ? 'closed' : 'signIn')}>{t('signIn')}</button>
        <button type="button" aria-expanded={mode === 'register'} onClick={() => setMode(mode === 'register' ? 'closed' : 'register')}>{t('register')}</button>
      </p>
      {pending && <p class="closed" role="status">{pending}</p>}
      {mode !== 'closed' && (
        <form class="form" onSubmit={send} aria-label={t(mode)}>
          {mode === 'signIn' ? field('login', t('login'), 'text', 'username') : field('username', t('username'))}
          {mode === 'register' && field('email', t('email'), 'email')}
          {field('password', t('password'), 'password', mode === 'register' ? 'new-password' : 'current-password')}
          {mode === 'signIn' && (
            <a href={`${model.session.api}/account/reset-password?lang=${model.i18n.lang}`} target="_blank" rel="noopener">{t('forgotPassword')}</a>
          )}
          {error && <p class="error" role="alert">{error}</p>}
          <div class="row">
            <button type="submit" class="primary" disabled={busy}>{t(mode)}</button>
            <button type="button" onClick={() => setMode('closed')}>{t('cancel')}</button>
          </div>
        </form>
      )}
    </div>
  );
}
