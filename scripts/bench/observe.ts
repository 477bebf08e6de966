// When each client saw each writer's clock advance, recorded cheaply while edits stream and
// matched to the edits afterwards. An edit counts as observed once the client's state vector
// reaches the writer's clock after the edit (the rule SaveTracker uses for "saved").
import * as Y from 'yjs';
import type { Client } from './clients.js';
import { monoMs } from './clock.js';

export interface Edit {
  /** The writer's clock right after the edit. */
  clock: number;
  /** monoMs() when the edit was made. */
  sentAt: number;
}

export interface Sample {
  ms: number;
  sentAt: number;
}

const FIELDS = 4; // client, writer, clock, at

export class ClockLog {
  private entries: number[] = [];
  private readonly latest: number[][] = [];
  private readonly detach: (() => void)[] = [];

  /** Records every advance of the writers' clocks in `client`'s doc, skipping its own. */
  watch(client: Client, clientIndex: number, writerIds: number[]): void {
    const latest = writerIds.map((id) => (id === client.doc.clientID ? Infinity : Y.getState(client.doc.store, id)));
    this.latest.push(latest);
    const onUpdate = (_update: Uint8Array, origin: unknown) => {
      if (origin !== client.provider) return;
      const at = monoMs();
      for (let w = 0; w < writerIds.length; w++) {
        const clock = Y.getState(client.doc.store, writerIds[w]!);
        if (clock <= latest[w]!) continue;
        latest[w] = clock;
        this.entries.push(clientIndex, w, clock, at);
      }
    };
    client.doc.on('update', onUpdate);
    this.detach.push(() => client.doc.off('update', onUpdate));
  }

  /** The lowest clock of each writer that every watched client has reached. */
  reached(writers: number): number[] {
    return Array.from({ length: writers }, (_, w) => Math.min(...this.latest.map((l) => l[w]!)));
  }

  stop(): Float64Array {
    for (const off of this.detach) off();
    this.detach.length = 0;
    const out = Float64Array.from(this.entries);
    this.entries = [];
    return out;
  }
}

/** Delivery samples: for each client and writer, the first advance that covers each edit. */
export function match(edits: Edit[][], logs: Float64Array[]): Sample[] {
  const samples: Sample[] = [];
  const cursors = new Map<number, number>();
  for (const log of logs) {
    for (let i = 0; i < log.length; i += FIELDS) {
      const [client, writer, clock, at] = [log[i]!, log[i + 1]!, log[i + 2]!, log[i + 3]!];
      const sent = edits[writer]!;
      const key = client * edits.length + writer;
      let cursor = cursors.get(key) ?? 0;
      while (cursor < sent.length && sent[cursor]!.clock <= clock) {
        samples.push({ ms: at - sent[cursor]!.sentAt, sentAt: sent[cursor]!.sentAt });
        cursor++;
      }
      cursors.set(key, cursor);
    }
  }
  return samples;
}
