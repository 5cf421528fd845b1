/**
 * Comments and decisions per hour over the last day: a bar chart in inline SVG (no
 * chart library), with the same numbers as a table for screen readers and for reading.
 */
import type { ConsoleI18n } from '../../i18n/console';
import type { Dashboard } from '../api';

type Hours = Dashboard['per_hour'];

const WIDTH = 720;
const HEIGHT = 200;
const LEFT = 40;
const RIGHT = 8;
const TOP = 12;
const BOTTOM = 26;

/** A round top for the axis: 1, 2 or 5 times a power of ten, at least `max`. */
export function axisTop(max: number): number {
  if (max <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((f) => f * power).find((top) => top >= max) ?? 10 * power;
}

export function HourChart({ i18n, hours }: { i18n: ConsoleI18n; hours: Hours }) {
  const { t } = i18n;
  const top = axisTop(Math.max(0, ...hours.flatMap((h) => [h.comments, h.decisions])));
  const slot = (WIDTH - LEFT - RIGHT) / Math.max(1, hours.length);
  const bar = slot * 0.38;
  const y = (v: number) => TOP + (HEIGHT - TOP - BOTTOM) * (1 - v / top);
  const total = (pick: (h: Hours[number]) => number) => hours.reduce((sum, h) => sum + pick(h), 0);
  const summary = t('chartSummary', { comments: total((h) => h.comments), decisions: total((h) => h.decisions) });
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="chart-title chart-desc">
        <title id="chart-title">{t('perHour')}</title>
        <desc id="chart-desc">{summary}</desc>
        {[0, top / 2, top].map((v) => (
          <g key={v} class="grid">
            <line x1={LEFT} x2={WIDTH - RIGHT} y1={y(v)} y2={y(v)} />
            <text x={LEFT - 6} y={y(v) + 4} text-anchor="end">{Number.isInteger(v) ? v : ''}</text>
          </g>
        ))}
        {hours.map((h, i) => {
          const x = LEFT + i * slot + slot * 0.12;
          return (
            <g key={h.hour}>
              <rect class="comments" x={x} y={y(h.comments)} width={bar} height={y(0) - y(h.comments)}>
                <title>{`${i18n.hour(h.hour)}: ${i18n.plural('nComments', h.comments)}`}</title>
              </rect>
              <rect class="decisions" x={x + bar} y={y(h.decisions)} width={bar} height={y(0) - y(h.decisions)}>
                <title>{`${i18n.hour(h.hour)}: ${i18n.plural('nDecisions', h.decisions)}`}</title>
              </rect>
              {i % 3 === 0 && <text class="hour" x={x + bar} y={HEIGHT - 8} text-anchor="middle">{i18n.hour(h.hour)}</text>}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <span class="key comments" aria-hidden="true" /> {t('legendComments')}{' '}
        <span class="key decisions" aria-hidden="true" /> {t('legendDecisions')}
      </figcaption>
      <details>
        <summary>{t('asTable')}</summary>
        <table>
          <thead><tr><th scope="col">{t('hour')}</th><th scope="col">{t('legendComments')}</th><th scope="col">{t('legendDecisions')}</th></tr></thead>
          <tbody>
            {hours.map((h) => <tr key={h.hour}><th scope="row">{i18n.hour(h.hour)}</th><td>{h.comments}</td><td>{h.decisions}</td></tr>)}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
