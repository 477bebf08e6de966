// A lead connection speaking the y-websocket protocol on a bare websocket, cheap enough to run
// thousands in one process (the npm provider keeps a Y.Doc per client). It syncs like the
// provider (its step 1 with an empty state vector, so it is sent the whole board), renews its
// awareness every 15 s like y-protocols, and, as a writer, adds one card of its own and then
// edits that card's notes (a valid board edit that depends on nothing else in the board).
// Receivers never apply the board: they only read the bench's stamps out of the updates.
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { getRecord } from '../../shared/doc.js';
import { createTask, type Origin } from '../../shared/mutations.js';
import { MESSAGE_AWARENESS, MESSAGE_SYNC } from '../../shared/sync-protocol.js';

const STEP1 = 0;
const STEP2 = 1;
const UPDATE = 2;
/** y-protocols renews a client's awareness state every 15 s. */
export const AWARENESS_RENEW_MS = 15_000;
const STAMP = /^bench:([\d.]+):(\d)$/;
const BENCH: Origin = { source: 'lead', actor: 'bench' };

/** A writer's edit: sent at `t` (performance.now() of the generator) through server process `p`. */
export interface Stamp {
  t: number;
  p: number;
}

function message(type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/** The bench's stamps inside an update (values set on the bench map). */
export function stampsIn(update: Uint8Array): Stamp[] {
  const out: Stamp[] = [];
  for (const struct of Y.decodeUpdate(update).structs) {
    if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentAny)) continue;
    for (const value of struct.content.arr) {
      const match = typeof value === 'string' ? STAMP.exec(value) : null;
      if (match) out.push({ t: Number(match[1]), p: Number(match[2]) });
    }
  }
  return out;
}

export class RawLead {
  private readonly ws: WebSocket;
  /** Only writers have a doc: the edits they make. */
  readonly doc: Y.Doc | null;
  private readonly clientId = Math.floor(Math.random() * 2 ** 31);
  private awarenessClock = 0;
  private renew: NodeJS.Timeout | null = null;
  private cardId: string | null = null;
  synced = false;
  closed = false;
  readonly whenSynced: Promise<void>;

  constructor(
    url: string, boardId: string, token: string, readonly process: number,
    private readonly onStamps: ((stamps: Stamp[], at: number) => void) | null, writer: boolean, awareness: boolean,
  ) {
    this.doc = writer ? new Y.Doc() : null;
    this.ws = new WebSocket(`${url}/sync/${boardId}?token=${encodeURIComponent(token)}`, { perMessageDeflate: false });
    this.ws.binaryType = 'nodebuffer';
    this.whenSynced = new Promise((resolve, reject) => {
      this.ws.once('error', reject);
      this.ws.once('close', (code) => { if (!this.synced) reject(new Error(`closed ${code} before sync`)); });
      this.ws.on('message', (data: Buffer) => {
        if (this.receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))) resolve();
      });
    });
    this.ws.on('error', () => {});
    this.ws.on('close', () => { this.closed = true; });
    this.ws.once('open', () => {
      this.send(message(MESSAGE_SYNC, (e) => {
        encoding.writeVarUint(e, STEP1);
        encoding.writeVarUint8Array(e, this.doc ? Y.encodeStateVector(this.doc) : new Uint8Array([0]));
      }));
      if (awareness) {
        this.sendAwareness();
        this.renew = setInterval(() => this.sendAwareness(), AWARENESS_RENEW_MS);
      }
    });
    this.doc?.on('update', (update: Uint8Array) => {
      this.send(message(MESSAGE_SYNC, (e) => {
        encoding.writeVarUint(e, UPDATE);
        encoding.writeVarUint8Array(e, update);
      }));
    });
  }

  /** One edit: the writer's stamp in its card's notes, sent at once as an update. */
  edit(): void {
    if (!this.doc) return;
    if (!this.cardId) {
      const card = createTask(this.doc, { title: 'bench 写入', kind: 'other', priority: 'normal' }, BENCH);
      if (!card.ok) throw new Error(card.message);
      this.cardId = card.value;
    }
    getRecord(this.doc, 'tasks', this.cardId)!.set('notes', `bench:${performance.now().toFixed(3)}:${this.process}`);
  }

  private send(data: Uint8Array): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  private sendAwareness(): void {
    const state = JSON.stringify({ user: { name: `bench-${this.clientId}`, color: '#888' } });
    this.send(message(MESSAGE_AWARENESS, (e) => {
      const inner = encoding.createEncoder();
      encoding.writeVarUint(inner, 1);
      encoding.writeVarUint(inner, this.clientId);
      encoding.writeVarUint(inner, ++this.awarenessClock);
      encoding.writeVarString(inner, state);
      encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
    }));
  }

  /** Handles one server message; true once the board has been received (synced). */
  private receive(data: Uint8Array): boolean {
    const decoder = decoding.createDecoder(data);
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return false;
    const step = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    if (step === STEP1) {
      // The server's state vector: answer with what it lacks (nothing, for a receiver).
      const diff = this.doc ? Y.encodeStateAsUpdate(this.doc, payload) : new Uint8Array([0, 0]);
      this.send(message(MESSAGE_SYNC, (e) => {
        encoding.writeVarUint(e, STEP2);
        encoding.writeVarUint8Array(e, diff);
      }));
      return false;
    }
    if (step === STEP2) {
      this.synced = true;
      return true;
    }
    if (step === UPDATE && this.onStamps) {
      const at = performance.now();
      const stamps = stampsIn(payload);
      if (stamps.length > 0) this.onStamps(stamps, at);
    }
    return false;
  }

  close(): void {
    if (this.renew) clearInterval(this.renew);
    this.ws.terminate();
    this.doc?.destroy();
  }
}
