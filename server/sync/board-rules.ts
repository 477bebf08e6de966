// Rules the server enforces on every change, whoever made it: a volunteer who is not available
// (isolated, sick, left…) holds no open work. editVolunteer applies this in the same
// transaction; this catches what did not go through it — an old client, a raw edit, or two leads
// at once (one isolates a volunteer while the other gives them a card).
import * as Y from 'yjs';
import { readRecord, recordMap } from '../../shared/doc.js';
import { editVolunteer, type Origin } from '../../shared/mutations.js';
import { isAvailable, isOpenWork } from '../../shared/rules.js';

const RULE: Origin = { source: 'system', actor: 'rule:availability' };

export function enforceBoardRules(doc: Y.Doc): () => void {
  const volunteers = recordMap(doc, 'volunteers');
  const tasks = recordMap(doc, 'tasks');
  let queued: Set<string> | null = null;

  const sweep = () => {
    const ids = queued;
    queued = null;
    const unavailable = new Set<string>();
    const fix = new Set<string>();
    for (const volunteerId of ids ?? []) {
      const volunteer = readRecord(doc, 'volunteers', volunteerId);
      if (!volunteer.ok || isAvailable(volunteer.value.health)) continue;
      unavailable.add(volunteerId);
      if (volunteer.value.onDuty) fix.add(volunteerId);
    }
    if (unavailable.size === 0) return;
    // One pass over the cards for all of them (a bulk approval adds hundreds of untested
    // volunteers at once): only those still on duty or holding open work need the fix.
    tasks.forEach((task) => {
      const assigneeId = (task.get('slot') as { assigneeId?: unknown } | undefined)?.assigneeId;
      if (typeof assigneeId === 'string' && unavailable.has(assigneeId) && isOpenWork({ status: task.get('status') })) fix.add(assigneeId);
    });
    for (const volunteerId of fix) editVolunteer(doc, volunteerId, {}, RULE);
  };
  // After the transaction: the fix goes out as its own update in the same fan-out turn.
  const enqueue = (volunteerId: unknown) => {
    if (typeof volunteerId !== 'string') return;
    if (!queued) {
      queued = new Set();
      queueMicrotask(sweep);
    }
    queued.add(volunteerId);
  };

  const onVolunteers = (events: Y.YEvent<any>[], transaction: Y.Transaction) => {
    if (transaction.origin === RULE) return;
    for (const event of events) {
      if (event.path.length > 0) enqueue(String(event.path[0]));
      else for (const id of (event as Y.YMapEvent<unknown>).keysChanged) enqueue(id);
    }
  };
  const onTasks = (events: Y.YEvent<any>[], transaction: Y.Transaction) => {
    if (transaction.origin === RULE) return;
    for (const event of events) {
      const ids = event.path.length > 0 ? [String(event.path[0])] : [...(event as Y.YMapEvent<unknown>).keysChanged];
      for (const id of ids) {
        const slot = tasks.get(id)?.get('slot') as { assigneeId?: unknown } | undefined;
        enqueue(slot?.assigneeId);
      }
    }
  };
  volunteers.observeDeep(onVolunteers);
  tasks.observeDeep(onTasks);
  return () => {
    volunteers.unobserveDeep(onVolunteers);
    tasks.unobserveDeep(onTasks);
  };
}
