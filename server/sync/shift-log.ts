// Volunteers' shifts for service hours: whenever a volunteer's onDuty changes in a board's doc —
// their own check-in/out from the phone, a lead's toggle, going off duty when isolated — the
// server opens or closes a shift row in Postgres, stamped with the server's clock.
// Writes are kept in order per board. Changes relayed from another process are that process's
// to record (and the open-shift unique index makes a double record harmless). A write that fails
// is logged and lost: hours are a report, not board state.
import * as Y from 'yjs';
import { recordMap } from '../../shared/doc.js';
import type { Store } from '../store/store.js';

export function logShifts(
  doc: Y.Doc, boardId: string, store: Pick<Store, 'openShift' | 'closeShift'>,
  log: (message: string, error?: unknown) => void,
): () => void {
  const volunteers = recordMap(doc, 'volunteers');
  const onDuty = (id: string) => {
    const ymap = volunteers.get(id);
    return ymap instanceof Y.Map && ymap.get('onDuty') === true;
  };
  const known = new Map<string, boolean>();
  for (const id of volunteers.keys()) known.set(id, onDuty(id));
  let writes: Promise<unknown> = Promise.resolve();

  const observer = (events: Y.YEvent<any>[], transaction: Y.Transaction) => {
    const source = (transaction.origin as { source?: unknown } | null)?.source;
    const ids = new Set<string>();
    for (const event of events) {
      if (event.path.length > 0) ids.add(String(event.path[0]));
      else for (const id of (event as Y.YMapEvent<unknown>).keysChanged) ids.add(id);
    }
    const at = new Date();
    for (const id of ids) {
      const now = onDuty(id);
      if (now === (known.get(id) ?? false)) continue;
      known.set(id, now);
      if (source === 'relay' || source === 'load') continue;
      writes = writes
        .then(() => (now ? store.openShift(boardId, id, at) : store.closeShift(boardId, id, at)))
        .catch((error) => log(`board ${boardId}: shift of ${id} not recorded`, error));
    }
  };
  volunteers.observeDeep(observer);
  return () => volunteers.unobserveDeep(observer);
}
