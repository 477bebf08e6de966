// Every limit the server enforces on what a connection may send, in one place (README: Limits).
// Over a limit, that connection is refused or closed with a clear code; others are unaffected.
export const LIMITS = {
  /** Yjs: one websocket frame (ws closes the socket with 1009 above it; config MAX_FRAME_BYTES). */
  yjsFrameBytes: 2 * 1024 * 1024,
  /** Yjs: messages one lead socket may send per second, sustained, and in a burst (then 4429). */
  yjsMessagesPerSecond: 200,
  yjsMessageBurst: 600,
  /**
   * Yjs: rejected updates per link in a minute before that link is refused for the rest of the
   * minute (4429). Each rejection costs a rebuild of the board's shadow copy (≈300 ms at 5,000
   * cards); an honest lead's page reloads after one.
   */
  yjsRejectionsPerMinute: 5,
  /**
   * Yjs: a lead's updates held because they build on changes it has not sent yet (its sync step
   * 2 is on its way); over this they are rejected (4422, "depends on changes…").
   */
  heldUpdateBytes: 4 * 1024 * 1024,
  /** Yjs awareness: one client's presence state, JSON characters (then 4413). */
  awarenessStateChars: 2 * 1024,
  /**
   * Records one lead update may delete (then 4422). A lead may delete only records its own
   * connection created — Yjs undo of cards it added or of a bulk approval of sign-ups — never
   * anyone else's.
   */
  deletesPerUpdate: 1_000,
  /** Board size, records per map (an update that would pass it is rejected with 4422). */
  records: { buildings: 2_000, volunteers: 10_000, tasks: 100_000, queues: 1_000, cases: 10_000, applicants: 20_000 } as Record<string, number>,
  /** socket.io (phones, displays): one packet. */
  socketIoPacketBytes: 64 * 1024,
  /** REST: default JSON body; the public request form and sign-up form are smaller. */
  restBodyBytes: 256 * 1024,
  formBodyBytes: 8 * 1024,
  /** Public request form: requests per address per minute (then 429). */
  formRequestsPerMinute: 12,
} as const;

/** A presence state over LIMITS.awarenessStateChars: the socket is closed with CLOSE.tooLarge. */
export class AwarenessTooLarge extends Error {}
