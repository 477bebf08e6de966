// The storage interface. One contract suite (tests/server/store.test.ts) runs against every
// implementation: embedded PGlite and a real Postgres server, both through postgres.js.
export type Role = 'admin' | 'lead' | 'volunteer' | 'display' | 'intake';

export interface TokenRow {
  hash: string;
  boardId: string;
  role: Role;
  volunteerId: string | null;
  /** Who the link is for ("王阿姨", "测试点电视"), shown in presence and history; null = unnamed. */
  name?: string | null;
}

/** A link as the admin page lists it: never the token, only its public id (the actor in history). */
export interface LinkRow {
  id: string;
  /** The token's hash (server-side only: it finds the link's live connections). */
  hash: string;
  role: Role;
  name: string | null;
  volunteerId: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** The public id of a link: the first 12 hex digits of its hash (also the actor of its changes). */
export const linkId = (hash: string): string => hash.slice(0, 12);

export interface BoardRow {
  id: string;
  name: string;
  createdAt: Date;
}

export interface LogEntry {
  data: Uint8Array;
  /** Who made the change (from the token), null for the system. */
  actor: string | null;
  /** History entries for this change, committed in the same transaction (server/sync/audit.ts). */
  audit?: AuditEntry[];
}

/** One line of a board's history: `detail` never holds a personal value (field names only). */
export interface AuditEntry {
  at: Date;
  actor: string;
  /** 'lead' | 'command' | 'intake' | 'signup' | 'system' */
  source: string;
  map: string;
  recordId: string;
  action: string;
  detail: Record<string, unknown>;
}

export interface AuditRow extends AuditEntry {
  id: number;
}

export interface AuditQuery {
  /** One record's history (`map` + `recordId`); absent = the whole board. */
  map?: string;
  recordId?: string;
  limit: number;
  /** Only entries older than this id (paging back). */
  before?: number;
}

/** A whole-board state kept for restoring (see VERSION_RETENTION in server/sync/versions.ts). */
export interface VersionRow {
  id: number;
  at: Date;
  bytes: number;
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
  /** Another process was compacting this board (Postgres advisory lock); nothing was done. */
  busy?: true;
}

/** A volunteer's shift: check-in to check-out (null while on duty). */
export interface ShiftRow {
  volunteerId: string;
  startedAt: Date;
  endedAt: Date | null;
}

export interface Store {
  readonly kind: 'pglite' | 'postgres';
  createBoard(board: { id: string; name: string }, tokens: TokenRow[], initial: LogEntry | null): Promise<void>;
  getBoard(id: string): Promise<BoardRow | null>;
  listBoards(): Promise<BoardRow[]>;
  addToken(token: TokenRow): Promise<void>;
  findToken(hash: string): Promise<TokenRow | null>;
  revokeToken(hash: string): Promise<boolean>;
  /** Revokes every live link of one volunteer; resolves their hashes. */
  revokeVolunteerTokens(boardId: string, volunteerId: string): Promise<string[]>;
  /** Every link of a board, newest first, revoked ones included. */
  listLinks(boardId: string): Promise<LinkRow[]>;
  /** Revokes one live link by its public id; resolves its hash, or null if there is none. */
  revokeLink(boardId: string, id: string): Promise<string | null>;
  /** Renames a live link or changes its role (a demotion); null if there is no such live link. */
  updateLink(boardId: string, id: string, patch: { role?: Role; name?: string | null }): Promise<LinkRow | null>;
  /** Tokens revoked or changed after `since` (database clock; null = none), and the database's now, read first. */
  changedTokens(since: Date | null): Promise<{ changes: { hash: string; at: Date }[]; now: Date }>;
  /** Appends in one statement (a group commit); resolves once committed. */
  appendUpdates(boardId: string, entries: LogEntry[]): Promise<void>;
  loadDoc(boardId: string): Promise<StoredDoc>;
  /**
   * Folds the log into a snapshot: reads snapshots + log, merges them outside any transaction,
   * then in one transaction writes the merged snapshot and deletes exactly the rows it covers.
   * Rows committed meanwhile stay in the log, so nothing is lost to a race, even with two
   * compactors at once (loading applies every remaining snapshot and row; updates are idempotent).
   * On Postgres a per-board advisory lock lets one process compact a board at a time; the others
   * get `busy` at once instead of repeating the work.
   */
  compact(boardId: string, merge: (parts: Uint8Array[]) => Uint8Array | Promise<Uint8Array>): Promise<CompactResult>;
  /** Opens a shift at `at` unless the volunteer has one open; resolves whether it opened one. */
  openShift(boardId: string, volunteerId: string, at: Date): Promise<boolean>;
  /** Closes the volunteer's open shift at `at`; resolves whether there was one. */
  closeShift(boardId: string, volunteerId: string, at: Date): Promise<boolean>;
  /** Shifts overlapping [from, to), oldest first (open ones included). */
  listShifts(boardId: string, from: Date, to: Date): Promise<ShiftRow[]>;
  /** History entries, newest first. */
  listAudit(boardId: string, query: AuditQuery): Promise<AuditRow[]>;
  /**
   * Keeps a whole-board version taken at `at` and, in the same transaction, deletes versions
   * older than `keepSince` — except the newest one, so a quiet board always has one to restore.
   */
  saveVersion(boardId: string, data: Uint8Array, at: Date, keepSince: Date): Promise<number>;
  /** Versions, newest first (without their data). */
  listVersions(boardId: string): Promise<VersionRow[]>;
  loadVersion(boardId: string, id: number): Promise<{ id: number; at: Date; data: Uint8Array } | null>;
  /** Rows in the log for a board (what compaction would fold). */
  logSize(boardId: string): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
