/** The console's calls to the moderation API (types from the OpenAPI document). */
import { type Account, Session } from '../api/client';
import type { components } from '../api/schema';

type S = components['schemas'];
export type Item = S['ModeratedComment'];
export type Standing = S['UserStanding'];
export type Note = S['NoteView'];
export type LogItem = S['LogItem'];
export type Article = S['ModeratedArticle'];
export type ArticleView = S['ArticleView'];
export type ArticleUpdate = S['ArticleUpdate'];
export type Dashboard = S['DashboardResponse'];
export type Settings = S['SiteSettings'];
export type Role = S['Role'];
export type Appeal = S['AppealItem'];
export type QueueName = 'pending' | 'reported' | 'unmoderated' | 'rejected' | 'approved';
export const QUEUES: QueueName[] = ['pending', 'reported', 'unmoderated', 'rejected', 'approved'];
export const REASONS = [
  'spam', 'offensive', 'abusive', 'harassment', 'hate_speech',
  'illegal_content', 'misinformation', 'off_topic', 'advertising', 'other',
] as const;
/** Why a comment is not approved (`moderation_reason`). */
export const HELD_BECAUSE = [
  'premoderation', 'new_user', 'contains_link', 'suspect_word', 'banned_word', 'flagged', 'moderator',
  'edited', 'hook', 'hook_unavailable',
] as const;
/** Why readers flag a comment. */
export const FLAG_REASONS: S['FlagReason'][] = ['spam', 'abuse', 'off_topic', 'illegal_content', 'other'];
/** What the log records (`LogItem.action`), in the order the log filter offers them. */
export const ACTIONS = [
  'approve', 'reject', 'undo', 'auto_approve', 'auto_pending', 'auto_reject', 'auto_hide',
  'ban', 'unban', 'note_add', 'note_delete', 'role_change', 'settings_change', 'article_change',
  'appeal', 'appeal_upheld', 'appeal_reversed',
] as const;
export const ROLES: Role[] = ['reader', 'moderator', 'admin'];
/** How often the totals are fetched again while the console is open (polling, not SSE). */
export const POLL_MS = 10_000;
/** How often the dashboard is read again while it is shown (it counts a day of rows). */
export const DASHBOARD_MS = 60_000;

export const session = new Session(location.origin);
const q = encodeURIComponent;

export interface QueuePage {
  items: Item[];
  counts: Record<string, number>;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

/** A query string of the parameters that are set. */
const query = (params: Record<string, string | number | null | undefined>) =>
  Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => `${k}=${q(String(v))}`).join('&');

export interface LogFilter {
  moderator_id?: number;
  user_id?: number;
  comment_id?: number;
  action?: string;
}

export const api = {
  me: () => session.request<Account>('GET', '/me'),
  sso: (token: string) => session.sso(token),
  queue: (queue: QueueName, article: string) =>
    session.request<QueuePage>('GET', `/mod/queue?queue=${queue}&limit=100${article ? `&article=${q(article)}` : ''}`),
  counts: (article: string) =>
    session.request<QueuePage>('GET', `/mod/queue?limit=1${article ? `&article=${q(article)}` : ''}`),
  approve: (id: number) => session.request<Item>('POST', `/mod/comments/${id}/approve`, {}),
  reject: (id: number, reason: string, note: string) =>
    session.request<Item>('POST', `/mod/comments/${id}/reject`, { reason, note: note || null }),
  bulk: (ids: number[], action: 'approve' | 'reject', reason?: string) =>
    session.request('POST', '/mod/comments/bulk', { ids, action, reason: reason ?? null, note: null }),
  undo: (id: number) => session.request<Item>('POST', `/mod/comments/${id}/undo`, {}),
  comment: (id: number) => session.request<S['CommentView']>('GET', `/comments/${id}`),
  user: (id: number) => session.request<Standing>('GET', `/mod/users/${id}`),
  users: (prefix: string) => session.request<Page<Standing>>('GET', `/mod/users?${query({ q: prefix, limit: 20 })}`),
  userComments: (id: number) => session.request<{ items: Item[] }>('GET', `/mod/users/${id}/comments?limit=100`),
  userLog: (id: number) => session.request<{ items: LogItem[] }>('GET', `/mod/log?user_id=${id}&limit=50`),
  notes: (id: number) => session.request<{ items: Note[] }>('GET', `/mod/users/${id}/notes`),
  addNote: (id: number, body: string) => session.request<Note>('POST', `/mod/users/${id}/notes`, { body }),
  deleteNote: (id: number) => session.request('DELETE', `/mod/notes/${id}`),
  ban: (id: number, reason: string, until: string | null, rejectPending: boolean) =>
    session.request('POST', `/mod/users/${id}/ban`, { reason, until, reject_pending: rejectPending }),
  unban: (id: number) => session.request('POST', `/mod/users/${id}/unban`, {}),
  articles: (search: string, sort: string, cursor?: string) =>
    session.request<Page<Article>>('GET', `/mod/articles?${query({ q: search, sort, limit: 20, cursor })}`),
  changeArticle: (key: string, changes: ArticleUpdate) =>
    session.request<ArticleView>('PUT', `/mod/articles?article=${q(key)}`, changes),
  dashboard: (hours: number) => session.request<Dashboard>('GET', `/mod/dashboard?hours=${hours}`),
  log: (filter: LogFilter, cursor?: string) =>
    session.request<Page<LogItem>>('GET', `/mod/log?${query({ ...filter, limit: 50, cursor })}`),
  settings: () => session.request<Settings>('GET', '/admin/settings'),
  saveSettings: (settings: Settings) => session.request<Settings>('PUT', '/admin/settings', settings),
  appeals: (state: 'open' | 'decided', cursor?: string) =>
    session.request<Page<Appeal>>('GET', `/mod/appeals?${query({ state, limit: 50, cursor })}`),
  decideAppeal: (id: number, outcome: 'upheld' | 'reversed', note: string) =>
    session.request<Appeal>('POST', `/mod/appeals/${id}/decide`, { outcome, note }),
  setRole: (id: number, role: Role) => session.request<Standing>('PUT', `/admin/users/${id}/role`, { role }),
};

const standings = new Map<number, Promise<Standing>>();
/** An account's standing, asked once per page view (cards and log lines share it). */
export const standingOf = (id: number) => {
  if (!standings.has(id)) standings.set(id, api.user(id));
  return standings.get(id) as Promise<Standing>;
};
/** Forgets what is known of an account (after a ban, an unban or a new role). */
export const forgetStanding = (id: number) => standings.delete(id);

/** The exact account named `who` (a username, or `#12` for an id), or null. */
export async function accountNamed(who: string): Promise<number | null> {
  const id = /^#(\d+)$/.exec(who.trim());
  if (id) return Number(id[1]);
  const found = await api.users(who.trim());
  return found.items.find((u) => u.username.toLowerCase() === who.trim().toLowerCase())?.id ?? null;
}
