/** Roles (admins): find an account by username or email and give it a role. */
import { useEffect, useState } from 'preact/hooks';

import type { Account } from '../../api/client';
import type { ConsoleI18n } from '../../i18n/console';
import { api, type Standing } from '../api';
import { failure } from '../failure';
import { go, href } from '../route';
import { RoleRow } from './RoleRow';

interface Props {
  i18n: ConsoleI18n;
  /** The route's `q`: a username or email prefix (empty: everyone, a page of them). */
  params: URLSearchParams;
  me: Account;
  /** The admin changed their own role. */
  onOwnRole(): void;
}

export function RolesScreen({ i18n, params, me, onOwnRole }: Props) {
  const { t } = i18n;
  const search = params.get('q') ?? '';
  const [accounts, setAccounts] = useState<Standing[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    setAccounts(null);
    setError('');
    api.users(search).then((page) => setAccounts(page.items)).catch((err) => setError(failure(i18n, err)));
  }, [search]);
  const find = (e: Event) => {
    e.preventDefault();
    go(href('roles', { q: String(new FormData(e.currentTarget as HTMLFormElement).get('q')).trim() }), true);
  };
  const changed = (account: Standing) => {
    setAccounts((before) => (before ?? []).map((a) => (a.id === account.id ? account : a)));
    if (account.id === me.id) onOwnRole();
  };

  return (
    <main class="roles">
      <h2 tabIndex={-1}>{t('screen.roles')}</h2>
      <p class="hint">{t('rolesHint')}</p>
      <form role="search" class="filters" onSubmit={find} key={search}>
        <label>{t('findAccount')}<input name="q" type="search" defaultValue={search} maxLength={254} /></label>
        <button type="submit">{t('search')}</button>
      </form>
      {error && <p role="alert">{error}</p>}
      {accounts === null ? !error && <p>{t('loading')}</p> : accounts.length === 0 ? <p>{t('noAccounts')}</p> : (
        <table class="accounts">
          <caption class="sr-only">{t('screen.roles')}</caption>
          <thead>
            <tr><th scope="col">{t('username')}</th><th scope="col">{t('email')}</th><th scope="col">{t('role')}</th><th scope="col">{t('newRole')}</th></tr>
          </thead>
          <tbody>
            {accounts.map((a) => <RoleRow key={a.id} i18n={i18n} account={a} onChange={changed} />)}
          </tbody>
        </table>
      )}
    </main>
  );
}
