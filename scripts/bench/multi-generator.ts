// A load-generator process of `npm run bench:multi`: thousands of raw lead connections
// (raw-lead.ts) over its share of the boards, split between the two server processes. Writers
// and receivers of a board live in the same generator, so one clock times every delivery.
import { performance } from 'node:perf_hooks';
import { RawLead, type Stamp } from './raw-lead.js';

export interface GeneratorBoard {
  id: string;
  token: string;
  /** The server process (0 or 1) of the board's writer; its other connections alternate. */
  writerProcess: number;
}

export type GeneratorRequest =
  | { type: 'connect'; boards: GeneratorBoard[]; urls: string[]; from: number; to: number; awareness: boolean }
  | { type: 'run'; ratePerBoardPerS: number; durationMs: number; drainMs: number }
  | { type: 'close' };

export interface RunResult {
  edits: number;
  /** Edit → another connection on the writer's own process, and on the other process (ms). */
  local: number[];
  cross: number[];
  /** Deliveries that should have arrived (receivers per edit, summed). */
  expectedLocal: number;
  expectedCross: number;
  /** The generator's own event-loop busy share over the run (0–1): high means it queued too. */
  utilization: number;
}

/** Connections opening at once (a burst of 10,000 handshakes would only measure the backlog). */
const WAVE = 200;
const SYNC_TIMEOUT_MS = 120_000;

const leads = new Map<string, RawLead[]>();
let recording = false;
/** Stamps of edits made before this run (a slow warm-up's stragglers) are not counted. */
let since = Infinity;
let local: number[] = [];
let cross: number[] = [];

function onStamps(receiver: RawLead) {
  return (stamps: Stamp[], at: number) => {
    if (!recording) return;
    for (const stamp of stamps) if (stamp.t >= since) (stamp.p === receiver.process ? local : cross).push(at - stamp.t);
  };
}

async function connect(request: Extract<GeneratorRequest, { type: 'connect' }>): Promise<number> {
  const pending: (() => RawLead)[] = [];
  for (const board of request.boards) {
    for (let j = request.from; j < request.to; j++) {
      const process = (board.writerProcess + j) % 2;
      pending.push(() => {
        const writer = j === 0;
        let lead: RawLead;
        lead = new RawLead(request.urls[process]!, board.id, board.token, process,
          writer ? null : (stamps, at) => onStamps(lead)(stamps, at), writer, request.awareness);
        const list = leads.get(board.id) ?? [];
        list.push(lead);
        leads.set(board.id, list);
        return lead;
      });
    }
  }
  for (let i = 0; i < pending.length; i += WAVE) {
    const wave = pending.slice(i, i + WAVE).map((make) => make());
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('sync timeout')), SYNC_TIMEOUT_MS).unref());
    await Promise.race([Promise.all(wave.map((lead) => lead.whenSynced)), timeout]);
  }
  return pending.length;
}

async function run(request: Extract<GeneratorRequest, { type: 'run' }>): Promise<RunResult> {
  const writers = [...leads.values()].map((list) => list.find((lead) => lead.doc !== null)!).filter(Boolean);
  const receiversOf = new Map<RawLead, { local: number; cross: number }>();
  for (const list of leads.values()) {
    const writer = list.find((lead) => lead.doc !== null)!;
    const others = list.filter((lead) => lead !== writer && !lead.closed);
    receiversOf.set(writer, {
      local: others.filter((lead) => lead.process === writer.process).length,
      cross: others.filter((lead) => lead.process !== writer.process).length,
    });
  }
  local = [];
  cross = [];
  recording = true;
  since = performance.now();
  let edits = 0;
  let expectedLocal = 0;
  let expectedCross = 0;
  const periodMs = 1000 / request.ratePerBoardPerS;
  const timers: NodeJS.Timeout[] = [];
  const elu0 = performance.eventLoopUtilization();
  const end = performance.now() + request.durationMs;
  for (const writer of writers) {
    // A random phase per board, so the boards' edits do not land in the same millisecond.
    const first = setTimeout(() => {
      const tick = () => {
        if (performance.now() > end) return;
        writer.edit();
        edits++;
        expectedLocal += receiversOf.get(writer)!.local;
        expectedCross += receiversOf.get(writer)!.cross;
      };
      tick();
      timers.push(setInterval(tick, periodMs));
    }, Math.random() * periodMs);
    timers.push(first);
  }
  await new Promise((resolve) => setTimeout(resolve, request.durationMs + request.drainMs));
  for (const timer of timers) clearInterval(timer);
  recording = false;
  const utilization = performance.eventLoopUtilization(elu0).utilization;
  return { edits, local, cross, expectedLocal, expectedCross, utilization };
}

async function handle(request: GeneratorRequest): Promise<unknown> {
  switch (request.type) {
    case 'connect':
      return connect(request);
    case 'run':
      return run(request);
    case 'close':
      for (const list of leads.values()) for (const lead of list) lead.close();
      leads.clear();
      return null;
  }
}

process.on('message', ({ id, ...request }: GeneratorRequest & { id: number }) => {
  handle(request as GeneratorRequest).then(
    (value) => process.send?.({ id, ok: true, value }),
    (error: unknown) => process.send?.({ id, ok: false, error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
