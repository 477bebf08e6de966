// Every lead update is checked before the board keeps it: it is applied to a shadow copy of the
// board first, and only if every record it touches still parses, no unknown top-level type
// appears, it deletes no more records than allowed and the board stays within its size, is it
// applied to the real document (and so logged and broadcast). A lead may delete a record only
// if its own connection created it (Yjs undo of a card it just added). A rejected update leaves the real
// document untouched; the shadow, which now holds it, is dropped and rebuilt on the next check.
import * as Y from 'yjs';
import { MetaSchema } from '../../shared/schema.js';
import { APPLICANTS, RECORD_MAPS, TOP_LEVEL_MAPS, applicantMap, readApplicant, readRecord, recordMap, type RecordMapName } from '../../shared/doc.js';
import { LIMITS } from '../limits.js';

export class RejectedUpdate extends Error {}

const RECORDS = new Set<string>([...RECORD_MAPS, APPLICANTS]);
const KNOWN = new Set<string>(TOP_LEVEL_MAPS);
const CHECK = Symbol('guard');

type Touched = Map<RecordMapName | typeof APPLICANTS, Set<string>>;

/** A record's map and reader: the board's record maps, and the sign-ups beside them. */
function mapOf(doc: Y.Doc, name: RecordMapName | typeof APPLICANTS): Y.Map<any> {
  return name === APPLICANTS ? applicantMap(doc) : recordMap(doc, name);
}

function parse(doc: Y.Doc, name: RecordMapName | typeof APPLICANTS, id: string): { ok: true } | { ok: false; message: string } {
  return name === APPLICANTS ? readApplicant(doc, id) : readRecord(doc, name, id);
}

/** Bytes of updates a doc holds back because what they build on is missing (Yjs internals). */
function pendingSize(doc: Y.Doc): number {
  const store = doc.store as unknown as { pendingStructs: { update: Uint8Array } | null; pendingDs: Uint8Array | null };
  return (store.pendingStructs?.update.length ?? 0) + (store.pendingDs?.length ?? 0);
}

/**
 * A shadow costs as much memory as the board (a demo-sized board: ~0.9 MiB of Yjs items for 46 KiB
 * encoded), so it is dropped once no lead has written for this long and rebuilt (≈20 ms for the
 * demo board) on the next write.
 */
const SHADOW_IDLE_MS = 60_000;

export class UpdateGuard {
  private shadow: Y.Doc | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly doc: Y.Doc) {
    doc.on('update', this.follow);
  }

  /** The shadow keeps up with everything the real document accepts, from any source. */
  private readonly follow = (update: Uint8Array): void => {
    if (this.shadow) Y.applyUpdate(this.shadow, update);
  };

  /**
   * Throws RejectedUpdate (with the reason) if the board must not keep `update`. Answers
   * 'pending' if it builds on changes the server does not have yet (a lead that edits while its
   * offline changes are still on their way in the sync): nothing of it may be applied then; the
   * caller holds it and checks it again together with what comes next.
   */
  check(update: Uint8Array, ownClients: ReadonlySet<number> = new Set()): 'ok' | 'pending' {
    const shadow = (this.shadow ??= this.copy());
    if (this.idleTimer) this.idleTimer.refresh();
    else {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = null;
        this.drop();
      }, SHADOW_IDLE_MS);
      this.idleTimer.unref();
    }
    const touched: Touched = new Map();
    const problems: string[] = [];
    let metaTouched = false;
    const onTransaction = (tr: Y.Transaction): void => {
      const names = new Map<Y.AbstractType<any>, string>();
      shadow.share.forEach((type, name) => names.set(type, name));
      tr.changed.forEach((keys, type) => {
        // Walk up to the top-level map: the first key below it is the record's id.
        let top: Y.AbstractType<any> = type;
        let recordId: string | null = null;
        while (top._item) {
          recordId = top._item.parentSub;
          top = top._item.parent as Y.AbstractType<any>;
        }
        const name = names.get(top) ?? '?';
        if (!KNOWN.has(name)) return void problems.push(`unknown top-level type "${name.slice(0, 40)}"`);
        if (name === 'meta') return void (metaTouched = true);
        const ids = touched.get(name as RecordMapName) ?? new Set<string>();
        touched.set(name as RecordMapName, ids);
        if (type !== top) {
          if (recordId === null) problems.push(`list content inside ${name}`);
          else ids.add(recordId);
          return;
        }
        for (const key of keys) {
          if (key === null) problems.push(`list content in ${name}`);
          else ids.add(key);
        }
      });
    };
    const pendingBefore = pendingSize(shadow);
    shadow.on('afterTransaction', onTransaction);
    try {
      Y.applyUpdate(shadow, update, CHECK);
    } catch (error) {
      // Yjs can fail halfway through an update that decodes (a struct pointing at an item of the
      // wrong kind): the shadow keeps the half it applied, so it no longer mirrors the board.
      this.drop();
      throw new RejectedUpdate(`cannot be applied: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      shadow.off('afterTransaction', onTransaction);
    }
    if (problems[0]) {
      this.drop();
      throw new RejectedUpdate(problems[0]);
    }
    // An update that cannot be applied whole would wait inside the board, unchecked, until some
    // later update completes it: it is not applied at all, and the shadow, which holds part of
    // it, is rebuilt.
    if (pendingSize(shadow) > pendingBefore) {
      this.drop();
      return 'pending';
    }
    const reason = this.invalid(shadow, touched, metaTouched, ownClients);
    if (reason) {
      this.drop();
      throw new RejectedUpdate(reason);
    }
    return 'ok';
  }

  private invalid(shadow: Y.Doc, touched: Touched, metaTouched: boolean, ownClients: ReadonlySet<number>): string | null {
    if (metaTouched && !MetaSchema.safeParse(shadow.getMap('meta').toJSON()).success) return 'invalid meta';
    let deleted = 0;
    for (const [name, ids] of touched) {
      if (!RECORDS.has(name)) continue;
      const map = mapOf(shadow, name);
      if (map.size > (LIMITS.records[name] ?? Infinity)) return `board full: more than ${LIMITS.records[name]} ${name}`;
      for (const id of ids) {
        if (!map.has(id)) {
          // The deleted record's entry stays in the map's internals; its id names who created it.
          const entry = (map as unknown as { _map: Map<string, Y.Item> })._map.get(id);
          if (entry && !ownClients.has(entry.id.client)) return `deletes ${name}/${id.slice(0, 64)}, which it did not create`;
          deleted++;
          continue;
        }
        const record = parse(shadow, name, id);
        if (!record.ok) return `invalid ${name}/${id.slice(0, 64)}: ${record.message.slice(0, 200)}`;
      }
    }
    if (deleted > LIMITS.deletesPerUpdate) return `deletes ${deleted} records (at most ${LIMITS.deletesPerUpdate} at once)`;
    return null;
  }

  private drop(): void {
    this.shadow?.destroy();
    this.shadow = null;
  }

  private copy(): Y.Doc {
    const shadow = new Y.Doc({ gc: this.doc.gc });
    Y.applyUpdate(shadow, Y.encodeStateAsUpdate(this.doc));
    return shadow;
  }

  destroy(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.doc.off('update', this.follow);
    this.shadow?.destroy();
    this.shadow = null;
  }
}
