/** The queues: tabs with totals (polled), the cards, decisions, bulk, undo and keys. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

import type { ConsoleI18n } from '../../i18n/console';
import { api, type Item, POLL_MS, QUEUES, type QueueName } from '../api';
import { AuthorDrawer } from '../author/AuthorDrawer';
import { failure } from '../failure';
import { go, href } from '../route';
import { Card } from './Card';
import { RejectDialog } from './RejectDialog';

/** `params`: the route's `queue` (default pending) and `article` (a key; empty: all). */
interface Props { i18n: ConsoleI18n; params: URLSearchParams }

export function QueueScreen({ i18n, params }: Props) {
  const { t } = i18n;
  const named = params.get('queue') as QueueName | null;
  const queue: QueueName = named && QUEUES.includes(named) ? named : 'pending';
  const article = params.get('article') ?? '';
  const show = (name: QueueName, key: string) =>
    go(href('queue', { queue: name === 'pending' ? undefined : name, article: key }), true);
  const [items, setItems] = useState<Item[]>([]);
  const [counts, setCounts] = useState<Record<string, number>>({});
  const [focus, setFocus] = useState(0);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [rejecting, setRejecting] = useState<number[] | null>(null);
  const [last, setLast] = useState<number | null>(null);
  const [status, setStatus] = useState('');
  const [author, setAuthor] = useState<{ id: number; ban: boolean } | null>(null);
  const [help, setHelp] = useState(false);
  const list = useRef<HTMLOListElement>(null);
  // Keys come faster than renders: the focused card is read from here, not from state.
  const at = useRef(0);

  const load = useCallback(async () => {
    const page = await api.queue(queue, article);
    setItems(page.items);
    setCounts(page.counts);
  }, [queue, article]);
  useEffect(() => { void load().catch(fail); at.current = 0; setFocus(0); setSelected(new Set()); }, [load]);
  useEffect(() => {
    const timer = setInterval(() => void api.counts(article).then((p) => setCounts(p.counts)).catch(() => undefined), POLL_MS);
    return () => clearInterval(timer);
  }, [article]);
  useEffect(() => {
    if (last === null) return;
    const timer = setTimeout(() => setLast(null), 8000);
    return () => clearTimeout(timer);
  }, [last]);

  const fail = (err: unknown) => setStatus(failure(i18n, err));
  const focusCard = (i: number) => {
    at.current = i;
    setFocus(i);
    requestAnimationFrame(() => (list.current?.children[i] as HTMLElement | undefined)?.focus());
  };
  const after = async (ids: number[], what: string) => {
    const index = Math.max(0, items.findIndex((c) => c.id === ids[0]));
    setStatus(ids.map((id) => t('decided', { id, what })).join(' '));
    setLast(ids.length === 1 ? ids[0] : null);
    setSelected(new Set());
    await load();
    focusCard(Math.min(index, items.length - 1 - ids.length));
  };
  const approve = (ids: number[]) =>
    (ids.length === 1 ? api.approve(ids[0]) : api.bulk(ids, 'approve')).then(() => after(ids, t('approved'))).catch(fail);
  const reject = (ids: number[], reason: string, note: string) => {
    setRejecting(null);
    const call = ids.length === 1 ? api.reject(ids[0], reason, note) : api.bulk(ids, 'reject', reason);
    return call.then(() => after(ids, t('rejected'))).catch(fail);
  };
  const undo = async () => {
    if (last === null) return;
    const id = last;
    setLast(null);
    await api.undo(id).then(() => { setStatus(t('undone', { id })); return load(); }).catch(fail);
  };
  const toggle = (id: number) =>
    setSelected((before) => {
      const next = new Set(before);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const targets = () => (selected.size > 0 ? [...selected] : items[at.current] ? [items[at.current].id] : []);

  const onKey = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (rejecting || author || e.ctrlKey || e.metaKey || e.altKey || /INPUT|TEXTAREA|SELECT/.test(target.tagName)) return;
    const focus = at.current;
    const current = items[focus];
    const actions: Record<string, () => void> = {
      j: () => focusCard(Math.min(focus + 1, items.length - 1)),
      k: () => focusCard(Math.max(focus - 1, 0)),
      a: () => targets().length && void approve(targets()),
      r: () => targets().length && setRejecting(targets()),
      x: () => current && toggle(current.id),
      u: () => current?.author && setAuthor({ id: current.author.id, ban: false }),
      b: () => current?.author && setAuthor({ id: current.author.id, ban: true }),
      '?': () => setHelp(!help),
    };
    const action = actions[e.key];
    if (action) { e.preventDefault(); action(); }
  };
  // The listener calls the latest render's handler (an effect would re-bind it too late).
  const handler = useRef(onKey);
  handler.current = onKey;
  useEffect(() => {
    const listen = (e: KeyboardEvent) => handler.current(e);
    addEventListener('keydown', listen);
    return () => removeEventListener('keydown', listen);
  }, []);

  return (
    <main class="queue">
      <h2 tabIndex={-1} class="sr-only">{t('screen.queue')}</h2>
      <nav aria-label={t('queues')} class="tabs">
        {QUEUES.map((name) => (
          <button type="button" key={name} aria-pressed={name === queue} onClick={() => show(name, article)}>
            {t(name)} <span class="total" data-queue={name}>{counts[name] ?? 0}</span>
          </button>
        ))}
      </nav>
      <div class="filters">
        <ArticleFilter label={t('allArticles')} value={article} apply={(key) => show(queue, key)} />
        <button type="button" aria-expanded={help} onClick={() => setHelp(!help)}>{t('keys')} (?)</button>
        <p class="hint">{t('refresh')}</p>
      </div>
      {help && <p class="help" id="keys">{t('keyHelp')}</p>}
      <div role="status" class="status">
        {status}
        {last !== null && <button type="button" onClick={undo}>{t('undo')}</button>}
      </div>
      {selected.size > 0 && (
        <div class="bulk">
          {t('selected', { n: selected.size })}{' '}
          <button type="button" onClick={() => approve([...selected])}>{t('approveSelected')}</button>{' '}
          <button type="button" onClick={() => setRejecting([...selected])}>{t('rejectSelected')}</button>
        </div>
      )}
      {items.length === 0 ? <p>{t('empty')}</p> : (
        <ol ref={list} class="cards" aria-label={t(queue)}>
          {items.map((item, i) => (
            <Card key={item.id} i18n={i18n} item={item} focused={i === focus} selected={selected.has(item.id)} filtered={article !== ''}
              onFocus={() => { at.current = i; setFocus(i); }} onToggle={() => toggle(item.id)} onApprove={() => approve([item.id])}
              onReject={() => setRejecting([item.id])}
              onAuthor={(ban) => item.author && setAuthor({ id: item.author.id, ban })} />
          ))}
        </ol>
      )}
      {rejecting && <RejectDialog i18n={i18n} onCancel={() => setRejecting(null)} onReject={(r, n) => reject(rejecting, r, n)} />}
      {author && <AuthorDrawer i18n={i18n} id={author.id} ban={author.ban} onClose={() => { setAuthor(null); void load(); }} />}
    </main>
  );
}

/**
 * The article filter: what is typed stays while the queue re-renders (polled totals, a
 * page arriving), and is applied on Enter or on leaving the field.
 */
function ArticleFilter({ label, value, apply }: { label: string; value: string; apply: (key: string) => void }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const commit = (raw: string) => {
    if (raw.trim() !== value) apply(raw.trim());
  };
  return (
    <label>
      {label}
      <input value={draft} onInput={(e) => setDraft(e.currentTarget.value)} onChange={(e) => commit(e.currentTarget.value)}
        onKeyDown={(e) => e.key === 'Enter' && commit(e.currentTarget.value)} />
    </label>
  );
}
