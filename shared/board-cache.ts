// readBoard, kept up to date incrementally: only records changed since the last read are parsed
// again. The server's phone and display hubs read the board after every change; a full
// readBoard of a 5,000-card board costs ~40 ms, this costs what changed.
import * as Y from 'yjs';
import { RECORD_MAPS, readMeta, readRecord, recordMap, type Board, type Problem, type RecordMapName } from './doc.js';

export class BoardCache {
  private board: Board | null = null;
  private readonly dirty = new Map<RecordMapName, Set<string>>();
  private metaDirty = false;
  private readonly problems = new Map<string, Problem>();
  private readonly stop: (() => void)[] = [];

  constructor(private readonly doc: Y.Doc) {
    for (const name of RECORD_MAPS) {
      const map = recordMap(doc, name);
      const observer = (events: Y.YEvent<any>[]) => {
        if (!this.board) return;
        let ids = this.dirty.get(name);
        if (!ids) this.dirty.set(name, (ids = new Set()));
        for (const event of events) {
          if (event.path.length > 0) ids.add(String(event.path[0]));
          else for (const key of (event as Y.YMapEvent<unknown>).keysChanged) ids.add(key);
        }
      };
      map.observeDeep(observer);
      this.stop.push(() => map.unobserveDeep(observer));
    }
    const meta = doc.getMap('meta');
    const onMeta = () => { this.metaDirty = true; };
    meta.observe(onMeta);
    this.stop.push(() => meta.unobserve(onMeta));
  }

  /** The board as readBoard(doc) would return it now. Treat the result as read-only. */
  read(): Board {
    if (!this.board) {
      this.board = this.full();
      return this.board;
    }
    if (this.metaDirty) {
      const problems: Problem[] = [];
      this.board.meta = readMeta(this.doc, problems);
      this.problems.delete('meta:meta');
      for (const p of problems) this.problems.set('meta:meta', p);
      this.metaDirty = false;
    }
    for (const [name, ids] of this.dirty) {
      const records = this.board[name] as Map<string, unknown>;
      for (const id of ids) {
        const result = readRecord(this.doc, name, id);
        const key = `${name}:${id}`;
        if (result.ok) {
          records.set(id, result.value);
          this.problems.delete(key);
        } else {
          records.delete(id);
          if (recordMap(this.doc, name).has(id)) this.problems.set(key, { map: name, id, message: result.message });
          else this.problems.delete(key);
        }
      }
    }
    this.dirty.clear();
    this.board.problems = [...this.problems.values()];
    return this.board;
  }

  private full(): Board {
    const problems: Problem[] = [];
    const board: Board = {
      meta: readMeta(this.doc, problems),
      buildings: new Map(), volunteers: new Map(), tasks: new Map(), queues: new Map(), cases: new Map(), problems,
    };
    for (const name of RECORD_MAPS) {
      const records = board[name] as Map<string, unknown>;
      for (const id of recordMap(this.doc, name).keys()) {
        const result = readRecord(this.doc, name, id);
        if (result.ok) records.set(id, result.value);
        else problems.push({ map: name, id, message: result.message });
      }
    }
    this.problems.clear();
    for (const p of problems) this.problems.set(`${p.map}:${p.id}`, p);
    this.dirty.clear();
    this.metaDirty = false;
    return board;
  }

  destroy(): void {
    for (const stop of this.stop) stop();
  }
}
