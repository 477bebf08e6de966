// Compaction merges a board's snapshot and log (hundreds of ms for a large board) on a worker
// thread, so fan-out on the main thread never waits for it.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// An eval'd CommonJS worker: no separate file to build or to find from tsx, vitest or dist.
const WORKER_SOURCE = (yjsPath: string) => `
const { parentPort } = require('node:worker_threads');
const Y = require(${JSON.stringify(yjsPath)});
parentPort.on('message', ({ id, parts }) => {
  try {
    const merged = Y.mergeUpdates(parts);
    parentPort.postMessage({ id, merged }, [merged.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});`;

export class MergeWorker {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve(v: Uint8Array): void; reject(e: Error): void }>();

  private start(): Worker {
    if (this.worker) return this.worker;
    const yjsPath = createRequire(import.meta.url).resolve('yjs');
    const worker = new Worker(WORKER_SOURCE(yjsPath), { eval: true });
    worker.unref();
    worker.on('message', ({ id, merged, error }: { id: number; merged?: Uint8Array; error?: string }) => {
      const entry = this.waiting.get(id);
      this.waiting.delete(id);
      if (error || !merged) entry?.reject(new Error(error ?? 'merge failed'));
      else entry?.resolve(merged);
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', () => {
      this.worker = null;
      this.failAll(new Error('merge worker exited'));
    });
    this.worker = worker;
    return worker;
  }

  private failAll(error: Error): void {
    for (const entry of this.waiting.values()) entry.reject(error);
    this.waiting.clear();
  }

  merge(parts: Uint8Array[]): Promise<Uint8Array> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, parts });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}
