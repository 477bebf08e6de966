// Rules the server enforces on every change, whoever made it: a volunteer who is not available
// (isolated, sick, left…) holds no open work. editVolunteer applies this in the same
// transaction; this catches writes that did not go through it (an old client, a raw edit).
import * as Y from 'yjs';
import { readRecord, recordMap } from '../../shared/doc.js';
import { editVolunteer, type Origin } from '../../shared/mutations.js';
import { isAvailable } from '../../shared/rules.js';

const RULE: Origin = { source: 'system', actor: 'rule:availability' };

export function enforceBoardRules(doc: Y.Doc): () => void {
  const volunteers = recordMap(doc, 'volunteers');
  let queued: Set<string> | null = null;
  const check = (events: Y.YEvent<any>[], transaction: Y.Transaction) => {
    if (transaction.origin === RULE) return;
    for (const event of events) {
      const id = event.path.length > 0 ? String(event.path[0]) : null;
      const ids = id ? [id] : [...(event as Y.YMapEvent<unknown>).keysChanged];
      queued ??= new Set();
      for (const each of ids) queued.add(each);
    }
    // After the transaction: the fix goes out as its own update in the same fan-out turn.
    queueMicrotask(() => {
      const ids = queued;
      queued = null;
      for (const volunteerId of ids ?? []) {
        const volunteer = readRecord(doc, 'volunteers', volunteerId);
        if (volunteer.ok && !isAvailable(volunteer.value.health)) editVolunteer(doc, volunteerId, {}, RULE);
      }
    });
  };
  volunteers.observeDeep(check);
  return () => volunteers.unobserveDeep(check);
}
