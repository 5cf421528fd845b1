/** The moderation console at /moderate/: sign-in, then the screens behind the navigation. */
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

import type { Account } from '../api/client';
import { consoleI18n, type ConsoleI18n } from '../i18n/console';
import { api, session } from './api';
import { AppealsScreen } from './appeals/AppealsScreen';
import { ArticlesScreen } from './articles/ArticlesScreen';
import { DashboardScreen } from './dashboard/DashboardScreen';
import { failure } from './failure';
import { LogScreen } from './log/LogScreen';
import { ScreenNav } from './nav/ScreenNav';
import { QueueScreen } from './queue/QueueScreen';
import { RolesScreen } from './roles/RolesScreen';
import { ADMIN_SCREENS, adoptLegacyQuery, useRoute } from './route';
import { SettingsScreen } from './settings/SettingsScreen';
import { takePublisherToken } from './signin/publisherToken';
import { SignIn } from './signin/SignIn';

const i18n = consoleI18n(new URLSearchParams(location.search).get('lang') ?? navigator.language);
document.documentElement.lang = i18n.lang;
document.title = i18n.t('title');
const publisherToken = takePublisherToken();
adoptLegacyQuery();
// A publisher link followed while the console is open: take its token as on a fresh load.
addEventListener('hashchange', () => location.hash.startsWith('#sso=') && location.reload());

const staff = (user: Account | null) => user !== null && (user.role === 'moderator' || user.role === 'admin');

/** The account as the API sees it now (a role may have changed since sign-in). */
function useAccount(): [Account | null, () => void, { signing: boolean; error: string }] {
  const [user, setUser] = useState<Account | null>(session.user);
  const [sso, setSso] = useState({ signing: publisherToken !== null, error: '' });
  const fresh = () =>
    void api.me().then((me) => session.user?.id === me.id && setUser(me)).catch(() => undefined);
  useEffect(() => {
    const off = session.onChange(setUser);
    if (publisherToken !== null) {
      api.sso(publisherToken)
        .then(() => { fresh(); setSso({ signing: false, error: '' }); })
        .catch((err) => setSso({ signing: false, error: failure(i18n, err) }));
    } else if (session.user) fresh();
    return off;
  }, []);
  return [user, fresh, sso];
}

function Screens({ i18n, user, fresh }: { i18n: ConsoleI18n; user: Account; fresh(): void }) {
  const { screen, params } = useRoute();
  const admin = user.role === 'admin';
  const allowed = admin || !ADMIN_SCREENS.includes(screen);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${i18n.t(`screen.${screen}`)} – ${i18n.t('title')}`;
    // After a move (not on load), screen readers start at the new screen's heading.
    if (!first.current) document.querySelector<HTMLElement>('main h2')?.focus();
    first.current = false;
  }, [screen]);
  return (
    <>
      <ScreenNav i18n={i18n} current={screen} admin={admin} />
      {!allowed && <main><h2 tabIndex={-1}>{i18n.t(`screen.${screen}`)}</h2><p role="alert">{i18n.t('adminsOnly')}</p></main>}
      {allowed && screen === 'queue' && <QueueScreen i18n={i18n} params={params} />}
      {allowed && screen === 'appeals' && <AppealsScreen i18n={i18n} params={params} me={user} />}
      {allowed && screen === 'articles' && <ArticlesScreen i18n={i18n} params={params} />}
      {allowed && screen === 'dashboard' && <DashboardScreen i18n={i18n} params={params} />}
      {allowed && screen === 'log' && <LogScreen i18n={i18n} params={params} />}
      {allowed && screen === 'settings' && <SettingsScreen i18n={i18n} />}
      {allowed && screen === 'roles' && <RolesScreen i18n={i18n} params={params} me={user} onOwnRole={fresh} />}
    </>
  );
}

function App() {
  const [user, fresh, sso] = useAccount();
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
      {user && staff(user)
        ? <Screens i18n={i18n} user={user} fresh={fresh} />
        : <SignIn i18n={i18n} refused={user !== null} signing={sso.signing} ssoError={sso.error} />}
    </>
  );
}

render(<App />, document.getElementById('console') as HTMLElement);
