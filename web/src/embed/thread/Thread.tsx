import type { Comment } from '../../api/client';
import { AuthPanel } from './AuthPanel';
import { CommentForm } from './CommentForm';
import { CommentItem } from './CommentItem';
import { Decisions } from './Decisions';
import { useModel, useUser } from './context';
import type { Sort } from './model';

const SORTS: Sort[] = ['oldest', 'newest', 'top'];
const SORT_KEYS = { oldest: 'sortOldest', newest: 'sortNewest', top: 'sortTop' } as const;

/** The whole comment section of one article. */
export function Thread() {
  const model = useModel();
  const user = useUser(model);
  const { t, plural } = model.i18n;
  const { page, comments, next, sort, loading, error, notice, decisionsOpen } = model.state;
  const closed = page?.status === 'closed';
  // Replies arrive flat per thread; the tree hangs each under its parent.
  const replies = new Map<number, Comment[]>();
  for (const thread of comments) {
    for (const reply of thread.replies) {
      const parent = reply.parent_id ?? thread.id;
      replies.set(parent, [...(replies.get(parent) ?? []), reply]);
    }
  }
  return (
    <section class="t" aria-label={t('heading')} lang={model.i18n.lang}>
      <header class="row head">
        <h2>{plural('comments', page?.comment_count ?? 0)}</h2>
        <label class="row">
          {t('sort')}
          <select value={sort} onChange={(e) => model.load(e.currentTarget.value as Sort)}>
            {SORTS.map((s) => <option key={s} value={s}>{t(SORT_KEYS[s])}</option>)}
          </select>
        </label>
      </header>
      <p class="sr" aria-live="polite" role="status">{notice}</p>
      <AuthPanel />
      {user?.email_verified && (page?.comment_count ?? 0) > 0 && (
        <button type="button" aria-pressed={model.state.articleSub !== null}
          onClick={() => model.notifyArticle(model.state.articleSub === null).catch((e) => model.set({ notice: model.fail(e) }))}>{t('notifyArticle')}</button>
      )}
      {decisionsOpen && <Decisions />}
      {closed ? (
        <p class="closed" role="note">{t('closed')}</p>
      ) : (
        user && <CommentForm label={t('yourComment')} submit={t('post')} notify onSend={(body, notify) => model.post(body, undefined, notify)} />
      )}
      {error && <p class="error" role="alert">{error}</p>}
      {!loading && !error && comments.length === 0 && <p class="muted">{t('empty')}</p>}
      <ul class="list">
        {comments.map((c) => <CommentItem key={c.id} comment={c} replies={replies} closed={closed} />)}
      </ul>
      {loading && <p class="muted" aria-busy="true">{t('loading')}</p>}
      {next && !loading && <button type="button" class="more" onClick={() => model.more()}>{t('more')}</button>}
    </section>
  );
}
