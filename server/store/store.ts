// The storage interface. One contract suite (tests/server/store.test.ts) runs against every
// implementation: embedded PGlite and a real Postgres server, both through postgres.js.
export type Role = 'admin' | 'lead' | 'volunteer' | 'display' | 'intake';

export interface TokenRow {
  hash: string;
  boardId: string;
  role: Role;
  volunteerId: string | null;
}

export interface BoardRow {
  id: string;
  name: string;
  createdAt: Date;
}

export interface LogEntry {
  data: Uint8Array;
  /** Who made the change (from the token), null for the system. */
  actor: string | null;
}

/** A board's stored state: the snapshots and the log entries not yet compacted into one. */
export interface StoredDoc {
  parts: Uint8Array[];
  snapshots: number;
  updates: number;
}

export interface CompactResult {
  /** Log entries folded into the new snapshot. */
  merged: number;
  bytes: number;
}

export interface Store {
  readonly kind: 'pglite' | 'postgres';
  createBoard(board: { id: string; name: string }, tokens: TokenRow[], initial: LogEntry | null): Promise<void>;
  getBoard(id: string): Promise<BoardRow | null>;
  listBoards(): Promise<BoardRow[]>;
  addToken(token: TokenRow): Promise<void>;
  findToken(hash: string): Promise<TokenRow | null>;
  revokeToken(hash: string): Promise<boolean>;
  /** Revokes every live link of one volunteer; resolves how many. */
  revokeVolunteerTokens(boardId: string, volunteerId: string): Promise<number>;
  /** Appends in one statement (a group commit); resolves once committed. */
  appendUpdates(boardId: string, entries: LogEntry[]): Promise<void>;
  loadDoc(boardId: string): Promise<StoredDoc>;
  /**
   * Folds the log into a snapshot: reads snapshots + log, merges them outside any transaction,
   * then in one transaction writes the merged snapshot and deletes exactly the rows it covers.
   * Rows committed meanwhile stay in the log, so nothing is lost to a race, even with two
   * compactors at once (loading applies every remaining snapshot and row; updates are idempotent).
   */
  compact(boardId: string, merge: (parts: Uint8Array[]) => Uint8Array | Promise<Uint8Array>): Promise<CompactResult>;
  /** Rows in the log for a board (what compaction would fold). */
  logSize(boardId: string): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
