/** An account named in the log (the log holds its id): its username, opening the author drawer. */
import { useEffect, useState } from 'preact/hooks';

import type { ConsoleI18n } from '../../i18n/console';
import { standingOf } from '../api';

interface Props { i18n: ConsoleI18n; id: number; onOpen(id: number): void }

export function AccountName({ i18n, id, onOpen }: Props) {
  const [name, setName] = useState<string | null>(null);
  useEffect(() => void standingOf(id).then((s) => setName(s.username)).catch(() => setName(null)), [id]);
  // An erased account has no name any more: its id is all there is.
  if (name === null) return <span>#{id}</span>;
  return <button type="button" class="link" onClick={() => onOpen(id)} aria-label={i18n.t('openAuthor', { name })}>{name}</button>;
}
