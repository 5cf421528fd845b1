/**
 * The typed API client: one fetch wrapper that signs requests with the reader's access
 * token and refreshes it when it runs out, and the reader's session, shared by every
 * thread on the page (see README, "Where the reader's tokens live").
 */
import type { components } from './schema';

type S = components['schemas'];
export type Account = S['Account'];
export type Comment = S['CommentView'];
export type Thread = S['ThreadView'];
export type Page = S['ListResponse'];
export type AuthAnswer = S['AuthResponse'];
export type FlagReason = S['FlagReason'];
export type LikeAnswer = S['LikeResponse'];
export type Subscription = S['SubscriptionView'];
export type SubscriptionList = S['SubscriptionList'];
export type Problem = S['Problem'] & { until?: string | null };
export type Decision = S['DecisionView'];
export type Decisions = S['DecisionsResponse'];
export type Pending = S['RegistrationPending'];
type Language = S['Language'];

/** An API refusal (or `network` when the service could not be reached). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly problem?: Problem,
    readonly retryAfter?: number,
  ) {
    super(problem?.detail ?? code);
  }
}

interface Stored {
  access: string;
  refresh: string;
  /** When the access token runs out (ms since the epoch). */
  expires: number;
  user: Account;
  /** The publisher's `sub` this session was signed on for, if by SSO. */
  sso?: string;
}

type Listener = (user: Account | null) => void;

/** The reader's session with one Tribune service, kept across page loads and tabs. */
export class Session {
  private stored: Stored | null;
  private listeners = new Set<Listener>();
  private readonly key: string;

  constructor(readonly api: string) {
    this.key = `tribune:${api}:session`;
    this.stored = this.read();
    // Another tab signed in, refreshed or signed out.
    addEventListener('storage', (e) => {
      if (e.key !== this.key) return;
      const before = this.stored?.user.id;
      this.stored = this.read();
      if (this.stored?.user.id !== before) this.emit();
    });
  }

  get user(): Account | null {
    return this.stored?.user ?? null;
  }

  /** The publisher `sub` the current session was signed on for. */
  get ssoSubject(): string | undefined {
    return this.stored?.sso;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls the API; `path` is below `/api/v1`. Problems become `ApiError`s. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let token = await this.accessToken();
    let answer = await this.send(method, path, body, token);
    if (answer.status === 401 && token) {
      // Revoked, or expired early: one refresh, then anonymous for public reads.
      token = await this.refresh(token);
      answer = await this.send(method, path, body, token);
    }
    return this.read_answer<T>(answer);
  }

  /**
   * Registers, in `language` for the account's mail. With taken addresses hidden the
   * service answers 202 without tokens: the answer is then `Pending` (no session yet;
   * the reader signs in once the mailed link has verified the address).
   */
  async register(username: string, email: string, password: string, language?: Language): Promise<Account | Pending> {
    const answer = await this.request<AuthAnswer | Pending>('POST', '/auth/register', { username, email, password, language });
    return 'access_token' in answer ? this.adopt(answer) : answer;
  }

  async login(login: string, password: string): Promise<Account> {
    return this.adopt(await this.request<AuthAnswer>('POST', '/auth/login', { login, password }));
  }

  /** Signs on with a publisher token, unless a session for its reader is held already. */
  async sso(token: string): Promise<Account> {
    const subject = subjectOf(token);
    if (this.stored && subject !== undefined && this.stored.sso === subject) return this.stored.user;
    const answer = await this.request<AuthAnswer>('POST', '/auth/sso', { token });
    return this.adopt(answer, subject);
  }

  async logout(): Promise<void> {
    const stored = this.stored;
    if (!stored) return;
    try {
      await this.request('POST', '/auth/logout', { refresh_token: stored.refresh });
    } catch {
      // Signed out here whatever the service says; the session expires by itself.
    }
    this.save(null);
  }

  private adopt(answer: AuthAnswer, sso?: string): Account {
    this.save({
      access: answer.access_token,
      refresh: answer.refresh_token,
      expires: Date.now() + answer.expires_in * 1000,
      user: answer.user,
      sso,
    });
    return answer.user;
  }

  private async accessToken(): Promise<string | undefined> {
    const stored = this.stored;
    if (!stored) return undefined;
    if (stored.expires - Date.now() > 30_000) return stored.access;
    return this.refresh(stored.access);
  }

  /**
   * A new token pair. Refresh tokens work once and a replay revokes the session, so
   * tabs take turns (Web Locks) and each first looks whether another tab refreshed.
   */
  private async refresh(stale: string): Promise<string | undefined> {
    const run = async () => {
      const current = this.read();
      if (!current) return this.save(null);
      if (current.access !== stale && current.expires - Date.now() > 30_000) {
        this.stored = current;
        return current.access;
      }
      const answer = await this.send('POST', '/auth/refresh', { refresh_token: current.refresh });
      if (!answer.ok) {
        if (answer.status === 401) return this.save(null);
        throw await this.problem(answer);
      }
      const pair = (await answer.json()) as AuthAnswer;
      this.adopt(pair, current.sso);
      return pair.access_token;
    };
    const locks = navigator.locks;
    return locks ? locks.request(this.key, run) : run();
  }

  private async send(method: string, path: string, body: unknown, token?: string): Promise<Response> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await fetch(`${this.api}/api/v1${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
      });
    } catch {
      throw new ApiError('network', 0);
    }
  }

  private async read_answer<T>(answer: Response): Promise<T> {
    if (!answer.ok) throw await this.problem(answer);
    return (answer.status === 204 ? undefined : await answer.json()) as T;
  }

  private async problem(answer: Response): Promise<ApiError> {
    const problem = (await answer.json().catch(() => undefined)) as Problem | undefined;
    const retry = Number(answer.headers.get('Retry-After')) || undefined;
    return new ApiError(problem?.code ?? `http_${answer.status}`, answer.status, problem, retry);
  }

  private read(): Stored | null {
    try {
      return JSON.parse(localStorage.getItem(this.key) ?? 'null') as Stored | null;
    } catch {
      return null;
    }
  }

  private save(stored: Stored | null): undefined {
    const before = this.stored?.user.id;
    this.stored = stored;
    try {
      if (stored) localStorage.setItem(this.key, JSON.stringify(stored));
      else localStorage.removeItem(this.key);
    } catch {
      // Storage refused (private mode): the session lasts as long as the page.
    }
    if (stored?.user.id !== before) this.emit();
    return undefined;
  }

  private emit() {
    for (const listener of this.listeners) listener(this.user);
  }
}

/** The `sub` claim of a JWT, read without verifying (the service verifies it). */
function subjectOf(token: string): string | undefined {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const sub = (JSON.parse(atob(payload)) as { sub?: unknown }).sub;
    return sub === undefined ? undefined : String(sub);
  } catch {
    return undefined;
  }
}
