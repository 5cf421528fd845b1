import { createContext } from 'preact';
import { useContext, useEffect, useReducer } from 'preact/hooks';

import type { Account } from '../../api/client';
import type { ThreadModel } from './model';

export const ModelContext = createContext<ThreadModel | null>(null);

/** The thread's model; components re-render when its state changes. */
export function useModel(): ThreadModel {
  const model = useContext(ModelContext);
  if (!model) throw new Error('no thread model');
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const rendered = model.state;
  useEffect(() => {
    const off = model.subscribe(() => rerender(undefined));
    // Effects run after paint: a change made in between (a fast first page) had no
    // listener yet and would leave the thread showing "Loading comments…".
    if (model.state !== rendered) rerender(undefined);
    return off;
  }, [model]);
  return model;
}

/** The signed-in reader (shared by every thread on the page). */
export function useUser(model: ThreadModel): Account | null {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => model.session.onChange(() => rerender(undefined)), [model]);
  return model.session.user;
}
