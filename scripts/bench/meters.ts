// Paced lead edits from the writer clients, and how long each took to be saved.
import * as Y from 'yjs';
import { createTask, editTask, moveTask } from '../../shared/mutations.js';
import type { Client } from './clients.js';
import { monoMs } from './clock.js';
import type { Edit, Sample } from './observe.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Cycles through small lead edits on one writer's doc: retitle, move, create. */
class Writer {
  private readonly taskIds: string[];
  private readonly lanes: (string | null)[];
  private n = 0;

  constructor(readonly client: Client) {
    this.taskIds = [...client.doc.getMap('tasks').keys()];
    this.lanes = [null, ...client.doc.getMap('volunteers').keys()];
    if (this.taskIds.length === 0) throw new Error('the bench board has no tasks');
  }

  /** Makes one edit; returns false if the mutation refused it. */
  edit(): boolean {
    const { doc } = this.client;
    const i = this.n++;
    const taskId = this.taskIds[(i * 7919) % this.taskIds.length]!;
    switch (i % 3) {
      case 0:
        return editTask(doc, taskId, { title: `bench ${i} @${monoMs().toFixed(3)}` }).ok;
      case 1:
        return moveTask(doc, { taskId, to: this.lanes[i % this.lanes.length] ?? null }).ok;
      default: {
        const created = createTask(doc, { title: `bench new ${i}`, kind: 'other', priority: 'normal' });
        if (created.ok) this.taskIds.push(created.value);
        return created.ok;
      }
    }
  }
}

export class EditMeter {
  /** Per writer, in order. */
  readonly sent: Edit[][];
  readonly saved: Sample[] = [];
  private readonly detach: (() => void)[] = [];

  constructor(private readonly writers: Client[]) {
    this.sent = writers.map(() => []);
    writers.forEach((writer, index) => this.watchSaved(writer, index));
  }

  get edits(): number {
    return this.sent.reduce((sum, edits) => sum + edits.length, 0);
  }

  get writerIds(): number[] {
    return this.writers.map((w) => w.doc.clientID);
  }

  /** Each writer's clock after its last edit. */
  get finalClocks(): number[] {
    return this.sent.map((edits) => edits.at(-1)?.clock ?? 0);
  }

  get allSaved(): boolean {
    return this.writers.every((w) => w.save.state === 'saved');
  }

  /** Time from an edit to the writer's SaveTracker next reporting 'saved'. */
  private watchSaved(writer: Client, index: number): void {
    let cursor = 0;
    this.detach.push(writer.save.onChange((state) => {
      if (state !== 'saved') return;
      const now = monoMs();
      const edits = this.sent[index]!;
      for (; cursor < edits.length; cursor++) this.saved.push({ ms: now - edits[cursor]!.sentAt, sentAt: edits[cursor]!.sentAt });
    }));
  }

  /** `ratePerS` edits per second in total, round-robin over the writers, for `durationMs`. */
  async run(ratePerS: number, durationMs: number): Promise<void> {
    const writers = this.writers.map((client) => new Writer(client));
    const intervalMs = 1000 / ratePerS;
    const count = Math.round((ratePerS * durationMs) / 1000);
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const wait = start + i * intervalMs - performance.now();
      if (wait > 0) await sleep(wait);
      const w = i % writers.length;
      const writer = writers[w]!;
      if (!writer.edit()) continue;
      const doc = writer.client.doc;
      this.sent[w]!.push({ clock: Y.getState(doc.store, doc.clientID), sentAt: monoMs() });
    }
  }

  stop(): void {
    for (const off of this.detach) off();
    this.detach.length = 0;
  }
}
