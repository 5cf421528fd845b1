/** A ranking of articles (most comments, most reports), each opening its queue. */
import type { ConsoleI18n, PluralKey } from '../../i18n/console';
import type { Dashboard } from '../api';
import { href } from '../route';

interface Props {
  i18n: ConsoleI18n;
  title: string;
  articles: Dashboard['most_commented'];
  unit: PluralKey;
  /** The queue an article opens in. */
  queue?: 'reported';
}

export function Ranking({ i18n, title, articles, unit, queue }: Props) {
  return (
    <div class="ranking">
      <h4>{title}</h4>
      {articles.length === 0 ? <p class="hint">{i18n.t('noneInWindow')}</p> : (
        <ol>
          {articles.map((a) => (
            <li key={a.key}>
              <a href={href('queue', { queue, article: a.key })}>{a.title || a.key}</a> <span class="count">{i18n.plural(unit, a.count)}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
