// What the bench asks the probe inside the server process, and what it answers.
export interface Span {
  /** monoMs() (CLOCK_MONOTONIC, shared with the bench process). */
  start: number;
  end: number;
  /** For a compaction: how long merging the updates took, and how much of that blocked the event loop. */
  mergeMs?: number;
  mergeLoopMs?: number;
}

export interface ProbeRequest {
  id: number;
  /** Run a full garbage collection first (the server runs with --expose-gc). */
  gc?: boolean;
  /** Clear the event-loop histogram and the spans after answering. */
  reset?: boolean;
}

export interface ProbeReply {
  id: number;
  heapUsed: number;
  /** Off-heap memory held by JS objects (array buffers included). */
  external: number;
  /** The longest the event loop was late since the last reset. */
  loopMaxMs: number;
  compactions: Span[];
  commits: Span[];
}
