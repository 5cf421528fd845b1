/** The moderation console at /moderate/: sign-in, then the queue with its author drawer. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';

import type { Account } from '../api/client';
import { consoleI18n } from '../i18n/console';
import { session } from './api';
import { QueueScreen } from './queue/QueueScreen';
import { SignIn } from './signin/SignIn';

const i18n = consoleI18n(new URLSearchParams(location.search).get('lang') ?? navigator.language);
document.documentElement.lang = i18n.lang;
document.title = i18n.t('title');

const staff = (user: Account | null) => user !== null && (user.role === 'moderator' || user.role === 'admin');

function App() {
  const [user, setUser] = useState<Account | null>(session.user);
  useEffect(() => session.onChange(setUser), []);
  const signOut = () => void session.logout();
  return (
    <>
      <header class="bar">
        <h1>{i18n.t('title')}</h1>
        {user && (
          <span>
            {i18n.t('signedInAs', { name: user.username })}{' '}
            <button type="button" onClick={signOut}>{i18n.t('signOut')}</button>
          </span>
        )}
      </header>
      {staff(user) ? <QueueScreen i18n={i18n} /> : <SignIn i18n={i18n} refused={user !== null} />}
    </>
  );
}

render(<App />, document.getElementById('console') as HTMLElement);
