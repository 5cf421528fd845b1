/**
 * One thread's state and what a reader does to it: the single place components read
 * from and act through. Each action calls the API and applies the answer.
 */
import { ApiError, type Comment, type Decision, type Decisions, type FlagReason, type LikeAnswer, type Page, type Session, type Subscription, type SubscriptionList, type Thread } from '../../api/client';
import type { I18n } from '../../i18n';

export type Sort = 'oldest' | 'newest' | 'top';

export interface Article {
  key: string;
  title?: string;
  url?: string;
}

export interface ThreadState {
  page: Page['article'] | null;
  comments: Thread[];
  next: string | null;
  sort: Sort;
  loading: boolean;
  /** A load failure, in words. */
  error: string | null;
  /** The last change, announced through `aria-live`. */
  notice: string;
  /** The comment to move focus to once rendered (a new one). */
  focus: number | null;
  /** Whether "Decisions about you" is open. */
  decisionsOpen: boolean;
  /** The signed-in reader's decisions, newest first (null: not read). */
  decisions: Decision[] | null;
  /** The reader's reply mails: comment id → subscription id. */
  subs: Record<number, number>;
  /** The subscription to replies to any own comment on this article, if any. */
  articleSub: number | null;
}

type Emit = (name: string, detail?: unknown) => void;

export class ThreadModel {
  state: ThreadState;
  private listeners = new Set<() => void>();

  constructor(
    readonly article: Article,
    readonly session: Session,
    readonly i18n: I18n,
    readonly emit: Emit,
    sort: Sort,
  ) {
    this.state = { page: null, comments: [], next: null, sort, loading: true, error: null, notice: '', focus: null, decisionsOpen: false, decisions: null, subs: {}, articleSub: null };
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(patch: Partial<ThreadState>) {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  /** Opens (reading them again) or closes "Decisions about you". */
  async showDecisions(open: boolean) {
    this.set({ decisionsOpen: open });
    if (open) await this.loadDecisions();
  }

  /** The reader's decisions (statements of reasons), if signed in. */
  async loadDecisions() {
    if (!this.session.user) return this.set({ decisions: null });
    try {
      const page = await this.session.request<Decisions>('GET', '/me/decisions?limit=100');
      this.set({ decisions: page.items });
    } catch (e) {
      this.set({ decisions: [], error: this.fail(e) });
    }
  }

  /** Appeals `decision` at the endpoint the API named for it. */
  async appeal(decision: Decision, text: string) {
    const path = (decision.appeal.endpoint ?? '').replace(/^\/api\/v1/, '');
    await this.session.request('POST', path, { text });
    this.set({ notice: this.i18n.t('appealSent') });
    await this.loadDecisions();
  }

  /** The first page in `sort` (again). */
  async load(sort: Sort = this.state.sort) {
    this.set({ loading: true, sort, error: null });
    void this.loadSubs();
    try {
      const page = await this.fetchPage(sort, null);
      this.set({ page: page.article, comments: page.comments, next: page.next_cursor ?? null, loading: false });
    } catch (e) {
      this.set({ loading: false, error: this.fail(e) });
    }
  }

  async more() {
    if (!this.state.next) return;
    this.set({ loading: true, error: null });
    try {
      const page = await this.fetchPage(this.state.sort, this.state.next);
      const seen = new Set(this.state.comments.map((c) => c.id));
      const comments = [...this.state.comments, ...page.comments.filter((c) => !seen.has(c.id))];
      this.set({ comments, next: page.next_cursor ?? null, loading: false });
    } catch (e) {
      this.set({ loading: false, error: this.fail(e) });
    }
  }

  async post(body: string, parent?: Comment, notify = false): Promise<Comment> {
    const { key, title, url } = this.article;
    const comment = await this.session.request<Comment>('POST', '/comments', {
      article: key,
      body,
      parent_id: parent?.id ?? null,
      article_title: title ?? null,
      article_url: url ?? null,
      notify_replies: notify,
    });
    if (notify) void this.loadSubs();
    let comments: Thread[];
    if (comment.depth > 0) {
      comments = this.state.comments.map((t) =>
        t.id === comment.thread_id ? { ...t, replies: [...t.replies, comment], reply_count: t.reply_count + 1 } : t,
      );
    } else {
      const thread: Thread = { ...comment, replies: [], reply_count: 0 };
      comments = this.state.sort === 'newest' ? [thread, ...this.state.comments] : [...this.state.comments, thread];
    }
    const notice = comment.status === 'approved' ? 'published' : comment.status === 'pending' ? 'held' : 'refused';
    this.set({ comments, focus: comment.id, notice: this.i18n.t(notice), page: this.recount(comment.status === 'approved' ? 1 : 0) });
    this.emit('tribune:posted', comment);
    return comment;
  }

  async edit(comment: Comment, body: string) {
    const edited = await this.session.request<Comment>('PATCH', `/comments/${comment.id}`, { body });
    const change = (edited.status === 'approved' ? 1 : 0) - (comment.status === 'approved' ? 1 : 0);
    this.replace(comment.id, (c) => ({ ...c, ...edited }));
    this.set({ notice: this.i18n.t('saved'), page: this.recount(change), focus: comment.id });
  }

  async remove(comment: Comment) {
    await this.session.request('DELETE', `/comments/${comment.id}`);
    const hasReplies = (id: number) => this.state.comments.some((t) => t.id === id ? t.replies.length > 0 : t.replies.some((r) => r.parent_id === id));
    if (hasReplies(comment.id)) {
      this.replace(comment.id, (c) => ({ ...c, status: 'deleted', body: '', html: '', author: null }));
    } else {
      const comments = this.state.comments
        .filter((t) => t.id !== comment.id)
        .map((t) => ({ ...t, replies: t.replies.filter((r) => r.id !== comment.id) }));
      this.set({ comments });
    }
    this.set({ notice: this.i18n.t('removed'), page: this.recount(comment.status === 'approved' ? -1 : 0) });
  }

  async like(comment: Comment, on: boolean) {
    const answer = await this.session.request<LikeAnswer>(on ? 'PUT' : 'DELETE', `/comments/${comment.id}/like`);
    this.replace(comment.id, (c) => ({ ...c, likes: answer.likes, liked_by_me: answer.liked_by_me }));
  }

  async report(comment: Comment, reason: FlagReason, note: string) {
    await this.session.request('POST', `/comments/${comment.id}/flags`, { reason, note: note.trim() || null });
    this.set({ notice: this.i18n.t('reportSent') });
  }

  /** Which own comments mail their replies (only a verified address gets mail). */
  async loadSubs() {
    if (!this.session.user?.email_verified) return this.set({ subs: {}, articleSub: null });
    try {
      const list = await this.session.request<SubscriptionList>('GET', '/me/subscriptions');
      const subs: Record<number, number> = {};
      let articleSub: number | null = null;
      for (const s of list.subscriptions) {
        if (s.comment_id != null) subs[s.comment_id] = s.id;
        else if (s.article.key === this.article.key) articleSub = s.id;
      }
      this.set({ subs, articleSub });
    } catch {
      // The switches show as off; turning one on reports any error.
    }
  }

  /** Turns reply mails for an own comment on or off. */
  async notify(comment: Comment, on: boolean) {
    const subs = { ...this.state.subs };
    if (on) {
      subs[comment.id] = (await this.session.request<Subscription>('POST', '/me/subscriptions', { comment_id: comment.id })).id;
    } else {
      await this.session.request('DELETE', `/me/subscriptions/${subs[comment.id]}`);
      delete subs[comment.id];
    }
    this.set({ subs, notice: this.i18n.t(on ? 'notifyOn' : 'notifyOff') });
  }

  /** Turns reply mails for every own comment on this article on or off. */
  async notifyArticle(on: boolean) {
    const id = this.state.articleSub;
    const articleSub = on
      ? (await this.session.request<Subscription>('POST', '/me/subscriptions', { article: this.article.key })).id
      : (await this.session.request('DELETE', `/me/subscriptions/${id}`), null);
    this.set({ articleSub, notice: this.i18n.t(on ? 'notifyArticleOn' : 'notifyArticleOff') });
  }

  /** An error in the page's language. */
  describe(error: unknown): string {
    const t = this.i18n;
    if (!(error instanceof ApiError)) return t.t('err_other', { code: String(error) });
    const { code, problem } = error;
    if (code === 'validation_failed') {
      const fields = (problem?.errors ?? []).map((e) => {
        const key = `field_${e.field}`;
        return t.has(key) ? t.t(key) : e.field;
      });
      return t.t('err_validation_failed', { fields: [...new Set(fields)].join(', ') });
    }
    if (code === 'account_banned' && problem?.until) return t.t('err_account_suspended', { until: t.date(problem.until) });
    if (code === 'rate_limited') return t.t('err_rate_limited', { seconds: error.retryAfter ?? 60 });
    const key = `err_${code}`;
    return t.has(key) ? t.t(key) : t.t('err_other', { code });
  }

  /** Reports an error to the page too (`tribune:error`) and returns it in words. */
  fail(error: unknown): string {
    const message = this.describe(error);
    this.emit('tribune:error', { code: error instanceof ApiError ? error.code : 'client', message });
    return message;
  }

  private fetchPage(sort: Sort, cursor: string | null): Promise<Page> {
    const query = new URLSearchParams({ article: this.article.key, sort });
    if (cursor) query.set('cursor', cursor);
    return this.session.request<Page>('GET', `/comments?${query}`);
  }

  private replace(id: number, change: (c: Comment) => Comment) {
    const comments = this.state.comments.map((t) =>
      t.id === id ? { ...t, ...change(t) } : { ...t, replies: t.replies.map((r) => (r.id === id ? change(r) : r)) },
    );
    this.set({ comments });
  }

  private recount(change: number): Page['article'] | null {
    const page = this.state.page;
    return page ? { ...page, comment_count: page.comment_count + change } : page;
  }
}
