// The results as Markdown: one table per question, one row per database.
import type { CompactionResult, Distribution, FanOutResult, JoinResult } from './scenarios.js';
import { fmt, kib, mib, table } from './stats.js';

export interface BackendResults {
  name: string;
  idleRss: number;
  join: JoinResult;
  fanOut: FanOutResult[];
  compaction: CompactionResult;
  seconds: number;
}

export interface Report {
  date: string;
  node: string;
  cores: number;
  cpu: string;
  memory: number;
  /** Share of CPU time idle in the second before the run (0–1). */
  idleBefore: number;
  seconds: number;
  ratePerS: number;
  fanOutSeconds: number;
  bigBoardBytes: number;
  results: BackendResults[];
}

const ms = (d: Distribution): string[] => [fmt(d.p50), fmt(d.p99), fmt(d.max)];

export function render(report: Report): string {
  const { results } = report;
  const clients = (f: FanOutResult) => `${f.clients}${f.awareness ? ' + awareness' : ''}`;
  const messages = (f: FanOutResult) => {
    const m = f.messagesPerDelivery;
    return `${fmt(m.sync, 2)} + ${fmt(m.saved, 2)}${m.awareness > 0 ? ` + ${fmt(m.awareness, 2)}` : ''}`;
  };
  const byClients = (r: BackendResults) =>
    [...r.fanOut].sort((a, b) => Number(a.awareness) - Number(b.awareness) || a.clients - b.clients);
  const fanRows = results.flatMap((r) => byClients(r).map((f) => [
    r.name, clients(f), String(f.edits), `${f.delivered} / ${f.expected}`, ...ms(f.latency),
    fmt(f.cpuUsPerDelivery), fmt(f.cpuMsPerEdit, 2), fmt((f.serverCpuMs / f.wallMs) * 100, 0), messages(f),
    fmt(f.serverLoopMaxMs), fmt(f.benchCpuPct, 0), fmt(f.receiverBusyPct, 0), fmt(f.receiverLoopP99Ms), fmt(f.otherCpuPct, 0), fmt(f.connectMs / 1000),
  ]));
  const marginal = results.map((r) => {
    const plain = byClients(r).filter((f) => !f.awareness);
    const [low, high] = [plain[0], plain.at(-1)];
    if (!low || !high || low === high) return '';
    const us = ((high.serverCpuMs - low.serverCpuMs) * 1000) / (high.delivered - low.delivered);
    return `- ${r.name}: marginal server CPU per extra delivery (${low.clients} → ${high.clients} clients) = ${fmt(us)} µs`;
  }).filter(Boolean).join('\n');
  const savedRows = results.flatMap((r) => byClients(r).map((f) => [
    r.name, clients(f), String(f.saved.n), ...ms(f.saved), fmt(f.commitMs.p50), fmt(f.commitMs.p99), String(f.commitMs.n),
  ]));
  const memoryRows = results.map((r) => {
    const conn = r.fanOut.find((f) => f.memory)?.memory;
    return [
      r.name, mib(r.idleRss),
      conn ? `${kib(conn.rssPerConnection)} (${conn.connections})` : '–', conn ? kib(conn.heapPerConnection) : '–',
      `${mib(r.join.rssPerBoard)} (${r.join.boards})`, mib(r.join.heapPerBoard),
    ];
  });
  const joinRows = results.map((r) => [
    r.name, `${fmt(r.join.cold.p50, 0)} (${r.join.cold.n})`, fmt(r.join.cold.max, 0),
    fmt(r.join.coldLoopMaxMs, 0), `${fmt(r.join.warm.p50, 0)} (${r.join.warm.n})`, fmt(r.join.warm.max, 0), fmt(r.join.warmLoopMaxMs, 0),
  ]);
  const compactionRows = results.map(({ name, compaction: c }) => [
    name, String(c.edits),
    c.compactions.length === 0 ? 'none' : c.compactions.map((s) => `${fmt(s.end - s.start, 0)} (merge ${fmt(s.mergeMs ?? NaN, 0)}, ${fmt(s.mergeLoopMs ?? NaN, 0)} on the loop)`).join(', '),
    String(c.during.n), ...ms(c.during), String(c.outside.n), ...ms(c.outside),
    fmt(c.savedDuring.max, 0), fmt(c.savedOutside.p99, 0), fmt(c.serverLoopMaxMs, 0), fmt(c.otherCpuPct, 0),
  ]);

  return `# Linli bench, ${report.date}

Machine: ${report.cores} cores (${report.cpu}), ${mib(report.memory)} MiB RAM, Node ${report.node}.
CPU idle in the second before the run: ${fmt(report.idleBefore * 100, 0)}%.
Whole run: ${fmt(report.seconds, 0)} s (${results.map((r) => `${r.name} ${fmt(r.seconds, 0)} s`).join(', ')}).

Server: \`server/main.ts\` as a child process on 127.0.0.1 (probe preloaded for GC, heap, event-loop delay and
store call timing). Clients: y-websocket 3 providers (ws polyfill, \`disableBc\`) in the bench process, which
shares the 2 cores with the server. Edits: ${report.ratePerS}/s in total from 2 writer clients, cycling
editTask / moveTask / createTask from \`shared/mutations.ts\`. An edit counts as observed when the receiver's state
vector reaches the writer's clock after the edit.

## Fan-out latency (${report.fanOutSeconds} s at ${report.ratePerS} edits/s after a 2 s warm-up, awareness off)

Latency = writer's edit → each other client observing it (ms). Server CPU = the server process's CPU time (all
threads, /proc) over the edit window plus drain, including the commits to the database; per delivery = ÷ (edits ×
other clients). Messages = what each receiver got per edit: sync updates + SAVED notices (+ awareness).
The writers run on the bench's main thread, the receivers on 2 worker threads; "bench CPU %" (all threads, of one
core) and the receiver threads' busy share and event-loop delay show how loaded the client side was: its queueing
is part of the latency. "server loop max" = the longest the server's event loop was late (GC, sync work, or the
process not getting a core).
"other CPU" = machine-wide busy CPU minus the server's and the bench's: the Postgres server's processes (postgres rows),
kernel work not charged to either, or another program; tens of % more than its neighbours means the row was disturbed.
"+ awareness" = every client publishes an awareness state like the lead page (y-protocols renews it every 15 s).

${table(
    ['db', 'clients', 'edits', 'delivered / expected', 'p50', 'p99', 'max', 'server CPU µs/delivery', 'server CPU ms/edit', 'server CPU %', 'messages per edit per receiver', 'server loop max ms', 'bench CPU %', 'busiest receiver thread %', 'receiver loop p99 ms', 'other CPU %', 'join all s'],
    fanRows,
  )}

${marginal}

## Saved after edit (writer's SaveTracker next reporting 'saved'), same runs

${table(['db', 'clients', 'edits', 'p50 ms', 'p99 ms', 'max ms', 'commit p50 ms', 'commit p99 ms', 'commits'], savedRows)}

## Memory (server RSS after GC)

Per connection: delta from the 2 writers alone (room loaded) to ${results[0]?.fanOut.find((f) => f.memory)?.memory?.connections ?? '–'} more connected lead clients on the
fan-out board, on a fresh server. Heap+external is what the connections hold; the RSS delta also counts V8
growing its committed heap under the join load, so it is noisy (tens of MiB either way) and only an upper bound.
Per board: RSS delta after loading ${results[0]?.join.boards ?? '–'} boards of 5,000 tasks (${mib(report.bigBoardBytes)} MiB update each), one client still on each.

${table(['db', 'idle server RSS MiB', 'RSS per connection KiB', 'heap+external per connection KiB', 'RSS per 5k-task board MiB', 'heap+external per board MiB'], memoryRows)}

## Join a 5,000-task board (new provider → \`synced\`, ms)

Cold = the room is not loaded (the server reads and applies the stored state); warm = the room is loaded.
Server loop max = the longest the server's event loop was blocked during those joins (other boards wait that long).

${table(['db', 'cold p50 (n)', 'cold max', 'server loop max ms (cold)', 'warm p50 (n)', 'warm max', 'server loop max ms (warm)'], joinRows)}

## Compaction under edits (5,000-task board, ${report.ratePerS} edits/s, log pre-filled to just under the 1,000-row threshold)

"During" = edits in flight while a compaction (\`store.compact\`, timed inside the server) ran; latency in ms.
"merge" = the merge callback's time, and the part of it that blocked the event loop (all of it if the merge is synchronous).

${table(
    ['db', 'edits', 'compactions ms', 'during n', 'during p50', 'during p99', 'during max', 'outside n', 'outside p50', 'outside p99', 'outside max', 'saved max during', 'saved p99 outside', 'server loop max ms', 'other CPU %'],
    compactionRows,
  )}
`;
}
