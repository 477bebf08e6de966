// Restoring a board to an earlier version (#7) as a new change: one transaction on the live doc
// sets every record the version holds back to its field values (a record deleted since comes
// back; a queue's batches likewise, batch by batch). Nothing is deleted: records (and batches)
// added since the version are kept and counted. Sign-ups (applicants) are left as they are:
// their decisions are not board state to roll back.
import * as Y from 'yjs';
import { insertRecord, metaMap, RECORD_MAPS, recordMap, type RecordOf } from './doc.js';
import { ok, type Result } from './errors.js';
import type { Origin } from './mutations.js';

export interface RestoreSummary {
  /** Records (and the meta block) whose fields were set back or that came back. */
  restored: number;
  unchanged: number;
  /** Records added since the version, kept as they are. */
  keptNewer: number;
}

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

function toYMap(fields: Record<string, unknown>): Y.Map<unknown> {
  const ymap = new Y.Map<unknown>();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) ymap.set(key, value);
  return ymap;
}

/** Sets a record's fields to `fields` exactly; a queue's batches are restored one by one. */
function restoreFields(ymap: Y.Map<unknown>, fields: Record<string, unknown>): boolean {
  let changed = false;
  for (const [key, value] of Object.entries(fields)) {
    const current = ymap.get(key);
    if (key === 'batches' && typeof value === 'object' && value !== null) {
      let batches = current;
      if (!(batches instanceof Y.Map)) {
        batches = new Y.Map<unknown>();
        ymap.set(key, batches);
        changed = true;
      }
      for (const [batchId, batch] of Object.entries(value as Record<string, Record<string, unknown>>)) {
        const live = (batches as Y.Map<unknown>).get(batchId);
        if (live instanceof Y.Map) changed = restoreFields(live, batch) || changed;
        else {
          (batches as Y.Map<unknown>).set(batchId, toYMap(batch));
          changed = true;
        }
      }
      continue;
    }
    if (!same(current, value)) {
      ymap.set(key, value);
      changed = true;
    }
  }
  for (const key of [...ymap.keys()]) {
    if (!(key in fields)) {
      ymap.delete(key); // a field the record did not have then (set since): back to unset
      changed = true;
    }
  }
  return changed;
}

/** Brings the live board back to `version` (a doc holding the old state) in one transaction. */
export function restoreVersion(doc: Y.Doc, version: Y.Doc, origin: Origin): Result<RestoreSummary> {
  const summary: RestoreSummary = { restored: 0, unchanged: 0, keptNewer: 0 };
  const count = (changed: boolean) => { if (changed) summary.restored++; else summary.unchanged++; };
  doc.transact(() => {
    const meta = metaMap(version).toJSON() as Record<string, unknown>;
    if (Object.keys(meta).length > 0) count(restoreFields(metaMap(doc), meta));
    for (const name of RECORD_MAPS) {
      const live = recordMap(doc, name);
      const old = recordMap(version, name);
      old.forEach((value, id) => {
        if (!(value instanceof Y.Map)) return;
        const fields = value.toJSON() as Record<string, unknown>;
        const current = live.get(id);
        if (current instanceof Y.Map) count(restoreFields(current, fields));
        else {
          insertRecord(doc, name, id, fields as unknown as RecordOf[typeof name]);
          count(true);
        }
      });
      live.forEach((_value, id) => { if (!old.has(id)) summary.keptNewer++; });
    }
  }, origin);
  return ok(summary);
}
