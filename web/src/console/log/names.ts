/**
 * The API's words in the desk's language: log actions, rejection reasons, why a comment
 * waits, why readers flagged it. A word the console does not know yet shows as sent.
 */
import type { ConsoleI18n } from '../../i18n/console';
import { ACTIONS, FLAG_REASONS, HELD_BECAUSE, REASONS } from '../api';

export const actionName = (i18n: ConsoleI18n, action: string) =>
  (ACTIONS as readonly string[]).includes(action) ? i18n.t(`action.${action as (typeof ACTIONS)[number]}`) : action;

export const reasonName = (i18n: ConsoleI18n, reason: string) =>
  (REASONS as readonly string[]).includes(reason) ? i18n.t(`reason.${reason as (typeof REASONS)[number]}`) : reason;

export const heldBecause = (i18n: ConsoleI18n, why: string) =>
  (HELD_BECAUSE as readonly string[]).includes(why) ? i18n.t(`held.${why as (typeof HELD_BECAUSE)[number]}`) : why;

export const flagReason = (i18n: ConsoleI18n, reason: string) =>
  (FLAG_REASONS as readonly string[]).includes(reason) ? i18n.t(`flag.${reason as (typeof FLAG_REASONS)[number]}`) : reason;

/**
 * A log line's reason: a rejection reason, why a comment was held, the decision an undo
 * took back, or free text (a ban's).
 */
export function logReason(i18n: ConsoleI18n, reason: string): string {
  if ((REASONS as readonly string[]).includes(reason)) return reasonName(i18n, reason);
  if ((HELD_BECAUSE as readonly string[]).includes(reason)) return heldBecause(i18n, reason);
  return actionName(i18n, reason);
}
