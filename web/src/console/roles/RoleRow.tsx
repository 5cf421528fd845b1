/** An account and the form that gives it another role (the API refuses to demote the last admin). */
import { useState } from 'preact/hooks';

import type { ConsoleI18n } from '../../i18n/console';
import { api, forgetStanding, type Role, ROLES, type Standing } from '../api';
import { failure } from '../failure';

interface Props { i18n: ConsoleI18n; account: Standing; onChange(account: Standing): void }

export function RoleRow({ i18n, account, onChange }: Props) {
  const { t } = i18n;
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const submit = (e: Event) => {
    e.preventDefault();
    const role = String(new FormData(e.currentTarget as HTMLFormElement).get('role')) as Role;
    setError('');
    setStatus('');
    api.setRole(account.id, role)
      .then((changed) => {
        forgetStanding(changed.id);
        onChange(changed);
        setStatus(t('roleChanged', { name: changed.username, role: t(`role.${role}`) }));
      })
      .catch((err) => setError(failure(i18n, err)));
  };
  return (
    <tr data-account={account.id}>
      <th scope="row">{account.username}{account.status === 'banned' && <> <small>({t('banned')})</small></>}</th>
      <td>{account.email ?? ''}</td>
      <td>{t(`role.${account.role as Role}`)}</td>
      <td>
        <form class="inline" onSubmit={submit}>
          <select name="role" defaultValue={account.role} aria-label={t('newRoleFor', { name: account.username })}>
            {ROLES.map((r) => <option key={r} value={r}>{t(`role.${r}`)}</option>)}
          </select>
          <button type="submit" aria-label={t('changeRoleOf', { name: account.username })}>{t('changeRole')}</button>
        </form>
        <span role="status">{status}</span>
        {error && <span role="alert">{error}</span>}
      </td>
    </tr>
  );
}
