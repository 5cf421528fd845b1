/**
 * The dashboard: what needs attention now. Queue sizes, how long the oldest pending
 * comment has waited, the busiest and most reported articles, and a day by the hour.
 */
import { useEffect, useState } from 'preact/hooks';

import type { ConsoleI18n } from '../../i18n/console';
import { api, type Dashboard, DASHBOARD_MS, QUEUES } from '../api';
import { failure } from '../failure';
import { go, href } from '../route';
import { HourChart } from './HourChart';
import { Ranking } from './Ranking';

/** The windows offered for the rankings, in hours. */
const WINDOWS = [1, 6, 24, 72, 168];

interface Props { i18n: ConsoleI18n; params: URLSearchParams }

export function DashboardScreen({ i18n, params }: Props) {
  const { t } = i18n;
  const asked = Number(params.get('hours'));
  const hours = WINDOWS.includes(asked) ? asked : 24;
  const [board, setBoard] = useState<Dashboard | null>(null);
  const [error, setError] = useState('');
  const load = () => api.dashboard(hours).then((b) => { setBoard(b); setError(''); }).catch((err) => setError(failure(i18n, err)));
  useEffect(() => {
    void load();
    const timer = setInterval(load, DASHBOARD_MS);
    return () => clearInterval(timer);
  }, [hours]);

  return (
    <main class="dashboard">
      <h2 tabIndex={-1}>{t('screen.dashboard')}</h2>
      <p class="hint">{t('dashboardRefresh')} <button type="button" onClick={load}>{t('refreshNow')}</button></p>
      {error && <p role="alert">{error}</p>}
      {board && (
        <>
          <section aria-labelledby="dash-queues">
            <h3 id="dash-queues">{t('queues')}</h3>
            <ul class="tiles">
              {QUEUES.map((q) => (
                <li key={q}>
                  <a href={href('queue', { queue: q === 'pending' ? undefined : q })} data-queue={q}>
                    <span class="n">{board.queues[q] ?? 0}</span> {t(q)}
                  </a>
                </li>
              ))}
            </ul>
            <p class="oldest">
              {board.oldest_pending
                ? t('oldestPending', { age: i18n.duration(board.oldest_pending.age_seconds), since: i18n.date(board.oldest_pending.created_at) })
                : t('nothingWaiting')}
            </p>
          </section>
          <section aria-labelledby="dash-busiest">
            <div class="section-head">
              <h3 id="dash-busiest">{t('busiest')}</h3>
              <label>{t('window')}
                <select value={String(hours)} onChange={(e) => go(href('dashboard', { hours: (e.target as HTMLSelectElement).value }), true)}>
                  {WINDOWS.map((h) => <option key={h} value={h}>{i18n.plural('lastHours', h)}</option>)}
                </select>
              </label>
            </div>
            <div class="rankings">
              <Ranking i18n={i18n} title={t('mostCommented')} articles={board.most_commented} unit="nComments" />
              <Ranking i18n={i18n} title={t('mostReported')} articles={board.most_reported} unit="nReports" queue="reported" />
            </div>
          </section>
          <section aria-labelledby="dash-day">
            <h3 id="dash-day">{t('perHour')}</h3>
            <HourChart i18n={i18n} hours={board.per_hour} />
          </section>
        </>
      )}
    </main>
  );
}
