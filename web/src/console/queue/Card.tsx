/** One queue card: the comment (rendered and source), article, why, parent, standing. */
import { useEffect, useState } from 'preact/hooks';

import type { ConsoleI18n } from '../../i18n/console';
import { api, type Item, type Standing, standingOf } from '../api';
import { ArticleTitle } from '../articles/ArticleTitle';
import { flagReason, heldBecause } from '../log/names';
import { href } from '../route';

interface Props {
  i18n: ConsoleI18n;
  item: Item;
  focused: boolean;
  selected: boolean;
  /** The queue shows one article only (no link to filter by it). */
  filtered: boolean;
  onFocus(): void;
  onToggle(): void;
  onApprove(): void;
  onReject(): void;
  onAuthor(ban: boolean): void;
}

export function Card({ i18n, item, focused, selected, filtered, ...on }: Props) {
  const { t } = i18n;
  const [standing, setStanding] = useState<Standing | null>(null);
  const [parent, setParent] = useState<string | null>(null);
  useEffect(() => {
    if (item.author) void standingOf(item.author.id).then(setStanding).catch(() => undefined);
    if (item.parent_id) void api.comment(item.parent_id).then((c) => setParent(c.html)).catch(() => undefined);
  }, [item.id]);
  const reasons = Object.entries(item.flags ?? {});
  const label = `${item.author?.username ?? item.imported_author?.display_name ?? '?'}: ${item.body.slice(0, 60)}`;
  return (
    <li class={`card${focused ? ' focused' : ''}`} tabIndex={focused ? 0 : -1} onFocus={on.onFocus}
      aria-label={label} data-comment={item.id}>
      <p class="meta">
        <strong><ArticleTitle article={item.article} /></strong>{' '}
        {filtered ? <code>{item.article.key}</code> : (
          <a href={href('queue', { article: item.article.key })} aria-label={t('onlyArticle', { key: item.article.key })}><code>{item.article.key}</code></a>
        )} · {i18n.date(item.created_at)}
      </p>
      {parent !== null && (
        <blockquote class="parent"><span>{t('inReplyTo')}:</span><div dangerouslySetInnerHTML={{ __html: parent }} /></blockquote>
      )}
      <div class="body" dangerouslySetInnerHTML={{ __html: item.html }} />
      <details><summary>{t('source')}</summary><pre>{item.body}</pre></details>
      <p class="why">
        {t('why')}: {item.moderation_reason ? heldBecause(i18n, item.moderation_reason) : item.status}
        {reasons.length > 0 && <> · {t('flags')}: {reasons.map(([r, n]) => `${flagReason(i18n, r)} ×${n}`).join(', ')}</>}
      </p>
      {(item.flag_notes ?? []).length > 0 && (
        <ul class="flagnotes">{item.flag_notes.map((f, i) => <li key={i}>{flagReason(i18n, f.reason)}{f.note ? `: ${f.note}` : ''}</li>)}</ul>
      )}
      <p class="author">
        {t('author')}: {item.imported_author && !item.author
          ? <span dir="auto">{t('importedAuthor', { name: item.imported_author.display_name })}</span>
          : <button type="button" class="link" onClick={() => on.onAuthor(false)}
            aria-label={t('openAuthor', { name: item.author?.username ?? '' })}>{item.author?.username}</button>}
        {standing && <> · {t('standing', { since: i18n.date(standing.created_at), approved: standing.approved_count, rejected: standing.rejected_count })}
          {standing.status === 'banned' && <strong> · {standing.banned_until ? t('bannedUntil', { until: i18n.date(standing.banned_until) }) : t('banned')}</strong>}</>}
      </p>
      <div class="actions">
        <label><input type="checkbox" checked={selected} onChange={on.onToggle} /> {t('select')}</label>
        <button type="button" onClick={on.onApprove}>{t('approve')}</button>
        <button type="button" onClick={on.onReject}>{t('reject')}</button>
        <button type="button" onClick={() => on.onAuthor(true)}>{t('ban')}</button>
      </div>
    </li>
  );
}
