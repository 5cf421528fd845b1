/** The console's calls to the moderation API (types from the OpenAPI document). */
import { Session } from '../api/client';
import type { components } from '../api/schema';

type S = components['schemas'];
export type Item = S['ModeratedComment'];
export type Standing = S['UserStanding'];
export type Note = S['NoteView'];
export type LogItem = S['LogItem'];
export type QueueName = 'pending' | 'reported' | 'unmoderated' | 'rejected' | 'approved';
export const QUEUES: QueueName[] = ['pending', 'reported', 'unmoderated', 'rejected', 'approved'];
export const REASONS = [
  'spam', 'offensive', 'abusive', 'harassment', 'hate_speech',
  'illegal_content', 'misinformation', 'off_topic', 'advertising', 'other',
] as const;
/** How often the totals are fetched again while the console is open (polling, not SSE). */
export const POLL_MS = 10_000;

export const session = new Session(location.origin);
const q = encodeURIComponent;

export interface QueuePage {
  items: Item[];
  counts: Record<string, number>;
}

export const api = {
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
  userComments: (id: number) => session.request<{ items: Item[] }>('GET', `/mod/users/${id}/comments?limit=100`),
  userLog: (id: number) => session.request<{ items: LogItem[] }>('GET', `/mod/log?user_id=${id}&limit=50`),
  notes: (id: number) => session.request<{ items: Note[] }>('GET', `/mod/users/${id}/notes`),
  addNote: (id: number, body: string) => session.request<Note>('POST', `/mod/users/${id}/notes`, { body }),
  deleteNote: (id: number) => session.request('DELETE', `/mod/notes/${id}`),
  ban: (id: number, reason: string, until: string | null, rejectPending: boolean) =>
    session.request('POST', `/mod/users/${id}/ban`, { reason, until, reject_pending: rejectPending }),
  unban: (id: number) => session.request('POST', `/mod/users/${id}/unban`, {}),
};
