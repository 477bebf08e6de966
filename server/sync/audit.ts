// The board's history (#7): every transaction on a room's doc becomes audit entries, found by
// comparing the records it touched before and after. The entries ride with the transaction's
// update into the group commit (room.ts → Store.appendUpdates), so a change acknowledged as saved
// always has its history, and compaction, which folds the update log, never touches it.
// Loads and relays from other processes are not recorded here: they were recorded where they
// happened. Details hold field names, never personal values ("edited phone", not the number).
import * as Y from 'yjs';
import { TOP_LEVEL_MAPS } from '../../shared/doc.js';
import type { AuditEntry } from '../store/store.js';

type Plain = Record<string, unknown>;

/** Restore transactions carry this beside their lead origin (server/routes/history.ts). */
export interface RestoreMark {
  restore: { versionId: number; versionAt: string };
}

/** Fields whose old → new values are shown; every other field is named only. */
const SHOWN: Record<string, Record<string, string>> = {
  tasks: { status: 'status', priority: 'priority', title: 'title' },
  volunteers: { health: 'health', onDuty: 'onDuty' },
  buildings: { leadId: 'lead' },
  queues: { status: 'status' },
};
/** Fields that change along with others and say nothing by themselves. */
const QUIET = new Set(['updatedAt', 'rank']);
/** A short name for a new record, where it is not personal. */
const LABEL: Record<string, string> = { tasks: 'title', volunteers: 'name', buildings: 'label', queues: 'name' };

export interface Attribution { actor: string; source: string; restore?: RestoreMark['restore'] }

/** Who a transaction origin stands for; null for what is not recorded here (loads, relays). */
export function attribute(origin: unknown): Attribution | null {
  if (typeof origin !== 'object' || origin === null) return { actor: 'system', source: 'system' };
  const o = origin as { source?: unknown; actor?: unknown; send?: unknown; restore?: RestoreMark['restore'] };
  if (typeof o.send === 'function' && typeof o.actor === 'string') return { actor: o.actor, source: 'lead' };
  const actor = typeof o.actor === 'string' ? o.actor : 'system';
  switch (o.source) {
    case 'load':
    case 'relay':
      return null;
    case 'lead':
      return { actor, source: 'lead', ...(o.restore ? { restore: o.restore } : {}) };
    case 'command':
      return { actor, source: 'command' };
    case 'system':
      if (actor === 'relay') return null;
      if (actor === 'intake' || actor === 'signup') return { actor, source: actor };
      return { actor: 'system', source: 'system' };
    default:
      return { actor: 'system', source: 'system' };
  }
}

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

type Change = { action: string; detail: Plain };

function fieldChanges(map: string, before: Plain, after: Plain, skip: Set<string>): Change[] {
  const out: Change[] = [];
  const edited: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (skip.has(key) || QUIET.has(key) || same(before[key], after[key])) continue;
    const action = SHOWN[map]?.[key];
    if (action) out.push({ action, detail: { from: before[key] ?? null, to: after[key] ?? null } });
    else edited.push(key);
  }
  if (edited.length > 0) out.push({ action: 'edited', detail: { fields: edited.sort() } });
  if (out.length === 0 && !skip.has('rank') && !same(before.rank, after.rank)) out.push({ action: 'reordered', detail: {} });
  return out;
}

function slotChange(before: Plain, after: Plain): Change[] {
  const from = (before.slot as { assigneeId?: unknown } | undefined)?.assigneeId ?? null;
  const to = (after.slot as { assigneeId?: unknown } | undefined)?.assigneeId ?? null;
  if (from !== to) {
    const action = from === null ? 'assigned' : to === null ? 'unassigned' : 'moved';
    return [{ action, detail: { from, to } }];
  }
  return same(before.slot, after.slot) ? [] : [{ action: 'reordered', detail: {} }];
}

function batchChanges(before: Plain, after: Plain): Change[] {
  const was = (before.batches ?? {}) as Record<string, Plain>;
  const now = (after.batches ?? {}) as Record<string, Plain>;
  const out: Change[] = [];
  for (const id of new Set([...Object.keys(was), ...Object.keys(now)])) {
    const a = was[id];
    const b = now[id];
    const building = (b ?? a)?.buildingId ?? null;
    if (!a) out.push({ action: 'batchAdded', detail: { batchId: id, building } });
    else if (!b) out.push({ action: 'batchRemoved', detail: { batchId: id, building } });
    else {
      if (a.status !== b.status) out.push({ action: 'batchStatus', detail: { batchId: id, building, from: a.status ?? null, to: b.status ?? null } });
      if (a.tested !== b.tested) out.push({ action: 'batchTested', detail: { batchId: id, building, from: a.tested ?? null, to: b.tested ?? null } });
      const edited = Object.keys({ ...a, ...b }).filter((k) => !['status', 'tested', 'calledAt', 'doneAt', 'rank'].includes(k) && !same(a[k], b[k]));
      if (edited.length > 0) out.push({ action: 'batchEdited', detail: { batchId: id, building, fields: edited.sort() } });
      else if (!same(a.rank, b.rank) && a.status === b.status) out.push({ action: 'batchReordered', detail: { batchId: id, building } });
    }
  }
  return out;
}

/** What changed in one record, as history actions (pure; exported for tests). */
export function diffRecord(map: string, before: Plain | undefined, after: Plain | undefined): Change[] {
  if (!before && !after) return [];
  if (!before) {
    const label = LABEL[map];
    return [{ action: 'created', detail: label && typeof after![label] === 'string' ? { label: after![label] } : {} }];
  }
  if (!after) return [{ action: 'deleted', detail: {} }];
  if (map === 'tasks') return [...slotChange(before, after), ...fieldChanges(map, before, after, new Set(['slot']))];
  if (map === 'queues') return [...fieldChanges(map, before, after, new Set(['batches'])), ...batchChanges(before, after)];
  return fieldChanges(map, before, after, new Set());
}

const plain = (value: unknown): Plain | undefined =>
  value instanceof Y.Map ? (value.toJSON() as Plain) : undefined;

/**
 * Watches a doc and queues audit entries for each recorded transaction; `take()` hands over what
 * is queued (the room calls it as the transaction's update arrives, so entries and update share
 * a commit).
 */
export class AuditTrail {
  private readonly roots = new Map<Y.AbstractType<unknown>, string>();
  /** Every record as plain data after the last transaction: the "before" of the next one. */
  private readonly known = new Map<string, Plain>();
  private queued: AuditEntry[] = [];

  constructor(private readonly doc: Y.Doc) {
    for (const name of TOP_LEVEL_MAPS) {
      const root = doc.getMap(name);
      this.roots.set(root as Y.AbstractType<unknown>, name);
      if (name === 'meta') this.known.set('meta/meta', root.toJSON() as Plain);
      else root.forEach((value, id) => { const p = plain(value); if (p) this.known.set(`${name}/${id}`, p); });
    }
    doc.on('afterTransaction', this.onTransaction);
  }

  take(): AuditEntry[] | undefined {
    if (this.queued.length === 0) return undefined;
    const out = this.queued;
    this.queued = [];
    return out;
  }

  destroy(): void {
    this.doc.off('afterTransaction', this.onTransaction);
  }

  /** The records a transaction touched, as "map/id". */
  private touched(transaction: Y.Transaction): Set<string> {
    const out = new Set<string>();
    for (const [changedType, keys] of transaction.changed) {
      let type = changedType as Y.AbstractType<unknown>;
      const rootName = this.roots.get(type);
      if (rootName === 'meta') out.add('meta/meta');
      else if (rootName) for (const key of keys) if (key !== null) out.add(`${rootName}/${key}`);
      if (rootName) continue;
      // Climb to the record: the type whose parent is a top-level map.
      while (type._item && !this.roots.has(type._item.parent as Y.AbstractType<unknown>)) {
        type = type._item.parent as Y.AbstractType<unknown>;
      }
      const name = type._item ? this.roots.get(type._item.parent as Y.AbstractType<unknown>) : undefined;
      if (name === 'meta') out.add('meta/meta');
      else if (name && type._item?.parentSub) out.add(`${name}/${type._item.parentSub}`);
    }
    return out;
  }

  private onTransaction = (transaction: Y.Transaction): void => {
    if (transaction.changed.size === 0) return;
    const who = attribute(transaction.origin);
    const at = new Date();
    const entries: AuditEntry[] = [];
    for (const key of this.touched(transaction)) {
      const slash = key.indexOf('/');
      const map = key.slice(0, slash);
      const id = key.slice(slash + 1);
      const root = this.doc.getMap(map);
      const after = map === 'meta' ? (root.toJSON() as Plain) : plain(root.get(id));
      const before = this.known.get(key);
      if (after) this.known.set(key, after);
      else this.known.delete(key);
      if (!who) continue;
      for (const change of diffRecord(map, before, after)) {
        const detail = who.restore ? { ...change.detail, restore: who.restore.versionId } : change.detail;
        entries.push({ at, actor: who.actor, source: who.source, map, recordId: id, action: change.action, detail });
      }
    }
    if (who?.restore && entries.length > 0) {
      entries.unshift({
        at, actor: who.actor, source: who.source, map: 'board', recordId: '', action: 'restored',
        detail: { versionId: who.restore.versionId, versionAt: who.restore.versionAt },
      });
    }
    this.queued.push(...entries);
  };
}
