/** How a failed call reads on screen: the API's own words, or the network's. */
import { ApiError } from '../api/client';
import type { ConsoleI18n } from '../i18n/console';

export const failure = (i18n: ConsoleI18n, err: unknown) =>
  i18n.t('error', { detail: err instanceof ApiError ? (err.code === 'network' ? i18n.t('offline') : err.message) : String(err) });
