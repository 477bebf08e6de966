// One receiver thread of the bench (see receivers.ts): real providers, and a log of when the
// writers' edits reached each of them.
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { connect, connectMany, totalReceived, type Client, type Received } from './clients.js';
import { ClockLog } from './observe.js';
import type { Collected, WorkerReply, WorkerRequest } from './receivers.js';

const WAVE = 25;
const SYNC_TIMEOUT_MS = 60_000;

process.setMaxListeners(2_000); // every provider adds a process 'exit' listener

let clients: Client[] = [];
let firstIndex = 0;
let log = new ClockLog();
let received0: Received = { sync: 0, awareness: 0, saved: 0 };
let elu0: EventLoopUtilization = performance.eventLoopUtilization();
const loop = monitorEventLoopDelay({ resolution: 5 });

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.type) {
    case 'connect': {
      const { wsUrl, boardId, token, awareness, count } = request;
      clients = await connectMany(count, WAVE, () => connect(wsUrl, boardId, token, { awareness }), SYNC_TIMEOUT_MS);
      firstIndex = request.firstIndex;
      return null;
    }
    case 'watch':
      log = new ClockLog();
      clients.forEach((client, i) => log.watch(client, firstIndex + i, request.writerIds));
      received0 = totalReceived(clients);
      elu0 = performance.eventLoopUtilization();
      loop.reset();
      loop.enable();
      return null;
    case 'reached':
      return log.reached(request.writers);
    case 'collect': {
      loop.disable();
      const now = totalReceived(clients);
      const collected: Collected = {
        log: log.stop(),
        received: { sync: now.sync - received0.sync, awareness: now.awareness - received0.awareness, saved: now.saved - received0.saved },
        utilization: performance.eventLoopUtilization(elu0).utilization,
        loopP99Ms: loop.percentile(99) / 1e6,
      };
      return collected;
    }
    case 'close':
      for (const client of clients) client.destroy();
      clients = [];
      return null;
  }
}

parentPort!.on('message', ({ id, ...request }: WorkerRequest & { id: number }) => {
  handle(request as WorkerRequest).then(
    (value) => parentPort!.postMessage({ id, ok: true, value } satisfies WorkerReply),
    (error: unknown) => parentPort!.postMessage({ id, ok: false, error: String(error) } satisfies WorkerReply),
  );
});
