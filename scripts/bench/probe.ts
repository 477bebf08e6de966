// Preloaded into the server process by the bench (`node --import tsx --import probe.ts server/main.ts`).
// Answers the bench over the IPC channel: collect garbage, heap figures, event-loop delay, and when
// the store committed and compacted. It only times calls; the server's own code is unchanged.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PostgresStore } from '../../server/store/postgres-store.js';
import { monoMs } from './clock.js';
import type { ProbeReply, ProbeRequest, Span } from './probe-protocol.js';

const MAX_SPANS = 10_000;

const compactions: Span[] = [];
const commits: Span[] = [];
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();

const { appendUpdates, compact } = PostgresStore.prototype;

PostgresStore.prototype.appendUpdates = async function (this: PostgresStore, ...args) {
  const start = monoMs();
  try {
    return await appendUpdates.apply(this, args);
  } finally {
    if (commits.length < MAX_SPANS) commits.push({ start, end: monoMs() });
  }
};

PostgresStore.prototype.compact = async function (this: PostgresStore, boardId, merge) {
  const span: Span = { start: monoMs(), end: 0, mergeMs: 0, mergeLoopMs: 0 };
  const timedMerge = async (parts: Uint8Array[]) => {
    const mergeStart = performance.now();
    const merged = merge(parts);
    span.mergeLoopMs = performance.now() - mergeStart;
    try {
      return await merged;
    } finally {
      span.mergeMs = performance.now() - mergeStart;
    }
  };
  try {
    return await compact.call(this, boardId, timedMerge);
  } finally {
    span.end = monoMs();
    if (compactions.length < MAX_SPANS) compactions.push(span);
  }
};

function answer(request: ProbeRequest): ProbeReply {
  if (request.gc) (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  const reply: ProbeReply = {
    id: request.id,
    heapUsed: memory.heapUsed,
    external: memory.external,
    loopMaxMs: loop.max / 1e6,
    compactions: [...compactions],
    commits: [...commits],
  };
  if (request.reset) {
    loop.reset();
    compactions.length = 0;
    commits.length = 0;
  }
  return reply;
}

if (process.send) {
  process.channel?.unref();
  process.on('message', (request: ProbeRequest) => process.send?.(answer(request)));
}
