// The receiving lead clients, spread over worker threads of the bench process so that one
// saturated event loop does not stand in for the server at 500 clients. Each worker runs real
// providers and records when the writers' edits arrived (observe.ts); the main thread matches.
import { Worker } from 'node:worker_threads';
import type { Received } from './clients.js';

export interface ConnectRequest {
  wsUrl: string;
  boardId: string;
  token: string;
  count: number;
  awareness: boolean;
  /** Index of this worker's first client among all clients (the writers come first). */
  firstIndex: number;
}

export type WorkerRequest =
  | ({ type: 'connect' } & ConnectRequest)
  | { type: 'watch'; writerIds: number[] }
  | { type: 'reached'; writers: number }
  | { type: 'collect' }
  | { type: 'close' };

export interface Collected {
  log: Float64Array;
  received: Received;
  /** Share of the window this worker's event loop was busy (0–1). */
  utilization: number;
  loopP99Ms: number;
}

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

const ENTRY = new URL('./receiver-worker.ts', import.meta.url).href;
const TSX = import.meta.resolve('tsx/esm/api');
// Workers do not inherit tsx's loader (Node 20), so each one registers it before loading its entry.
const BOOT = `import(${JSON.stringify(TSX)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ENTRY)}); })`;
const CONNECT_TIMEOUT_MS = 120_000;
const REQUEST_TIMEOUT_MS = 15_000;

class ReceiverWorker {
  private readonly worker = new Worker(BOOT, { eval: true });
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  constructor() {
    this.worker.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.value);
      else waiter?.reject(new Error(`receiver worker: ${reply.error}`));
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', () => this.failAll(new Error('receiver worker exited')));
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  request<T>(request: WorkerRequest, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`receiver worker: no answer to ${request.type} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => { clearTimeout(timer); resolve(value as T); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      });
      this.worker.postMessage({ ...request, id });
    });
  }

  async close(): Promise<void> {
    await this.request({ type: 'close' }).catch(() => {});
    await this.worker.terminate();
  }
}

export class ReceiverPool {
  private constructor(private readonly workers: ReceiverWorker[]) {}

  /** Connects `request.count` clients, split over `threads` workers; resolves when all are synced. */
  static async open(threads: number, request: ConnectRequest): Promise<ReceiverPool> {
    const workers = Array.from({ length: Math.min(threads, request.count) }, () => new ReceiverWorker());
    const pool = new ReceiverPool(workers);
    try {
      let firstIndex = request.firstIndex;
      await Promise.all(workers.map((worker, i) => {
        const count = Math.floor(request.count / workers.length) + (i < request.count % workers.length ? 1 : 0);
        const part = { ...request, count, firstIndex };
        firstIndex += count;
        return worker.request({ type: 'connect', ...part }, CONNECT_TIMEOUT_MS);
      }));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  async watch(writerIds: number[]): Promise<void> {
    await Promise.all(this.workers.map((w) => w.request({ type: 'watch', writerIds })));
  }

  /** The lowest clock of each writer that every receiver has reached. */
  async reached(writers: number): Promise<number[]> {
    const each = await Promise.all(this.workers.map((w) => w.request<number[]>({ type: 'reached', writers })));
    return Array.from({ length: writers }, (_, i) => Math.min(...each.map((clocks) => clocks[i]!)));
  }

  collect(): Promise<Collected[]> {
    return Promise.all(this.workers.map((w) => w.request<Collected>({ type: 'collect' })));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}
