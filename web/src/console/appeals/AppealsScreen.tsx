/**
 * Appeals (EU Digital Services Act, Art. 20): the authors' appeals against decisions,
 * open ones oldest first; each with the decision, the comment and the author's text,
 * decided (upheld or reversed, with a note to the author) by a moderator who did not
 * take the decision appealed.
 */
import { useEffect, useState } from 'preact/hooks';

import type { Account } from '../../api/client';
import type { ConsoleI18n } from '../../i18n/console';
import { type Appeal, api } from '../api';
import { failure } from '../failure';
import { href } from '../route';
import { AppealCard } from './AppealCard';

interface Props { i18n: ConsoleI18n; params: URLSearchParams; me: Account }

export function AppealsScreen({ i18n, params, me }: Props) {
  const { t } = i18n;
  const state = params.get('state') === 'decided' ? 'decided' : 'open';
  const [appeals, setAppeals] = useState<Appeal[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const fail = (err: unknown) => setError(failure(i18n, err));

  useEffect(() => {
    setAppeals(null);
    setError('');
    api.appeals(state).then((page) => { setAppeals(page.items); setNext(page.next_cursor ?? null); }).catch(fail);
  }, [state]);
  const more = () =>
    next && api.appeals(state, next)
      .then((page) => { setAppeals([...(appeals ?? []), ...page.items]); setNext(page.next_cursor ?? null); })
      .catch(fail);
  const decided = (appeal: Appeal) => {
    setNotice(t('appealDecided', { id: appeal.id, outcome: t(`outcome.${appeal.state === 'reversed' ? 'reversed' : 'upheld'}`) }));
    setAppeals((before) => (before ?? []).filter((a) => a.id !== appeal.id));
  };

  return (
    <main class="appeals">
      <h2 tabIndex={-1}>{t('screen.appeals')}</h2>
      <p>{t('appealsHint')}</p>
      <nav aria-label={t('appealStates')} class="tabs">
        {(['open', 'decided'] as const).map((s) => (
          <a key={s} href={href('appeals', { state: s === 'open' ? undefined : s })} aria-current={s === state ? 'page' : undefined}>{t(`appeals.${s}`)}</a>
        ))}
      </nav>
      <p role="status" class="sr-only">{notice}</p>
      {error && <p role="alert">{error}</p>}
      {appeals === null ? !error && <p>{t('loading')}</p> : appeals.length === 0 ? <p>{t('noAppeals')}</p> : (
        <ul class="appeal-list" aria-label={t(`appeals.${state}`)}>
          {appeals.map((a) => <AppealCard key={a.id} i18n={i18n} appeal={a} me={me} onDecided={decided} />)}
        </ul>
      )}
      {next && <button type="button" onClick={more}>{t('more')}</button>}
    </main>
  );
}
