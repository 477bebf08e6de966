import type { Sql } from 'postgres';
import type {
  AuditQuery, AuditRow, BoardRow, CompactResult, LinkRow, LogEntry, Role, ShiftRow, Store, StoredDoc, TokenRow, VersionRow,
} from './store.js';
import { linkId } from './store.js';

/** First key of the compaction advisory locks (the second is the board); migrations use 7450001. */
const COMPACTION_LOCK = 7450002;

const bytes = (data: Uint8Array): Buffer => Buffer.from(data.buffer, data.byteOffset, data.byteLength);
const view = (data: Buffer): Uint8Array => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

interface TokenDbRow { hash: string; board_id: string; role: string; volunteer_id: string | null; name: string | null }
const token = (row: TokenDbRow): TokenRow => ({
  hash: row.hash, boardId: row.board_id, role: row.role as Role, volunteerId: row.volunteer_id, name: row.name,
});
interface LinkDbRow { hash: string; role: string; name: string | null; volunteer_id: string | null; created_at: Date; revoked_at: Date | null }
const link = (row: LinkDbRow): LinkRow => ({
  id: linkId(row.hash), hash: row.hash, role: row.role as Role, name: row.name, volunteerId: row.volunteer_id,
  createdAt: row.created_at, revokedAt: row.revoked_at,
});

/** The store over postgres.js; the same code serves PGlite (through pglite-socket) and Postgres. */
export class PostgresStore implements Store {
  constructor(
    readonly kind: 'pglite' | 'postgres',
    private readonly sql: Sql,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  async createBoard(board: { id: string; name: string }, tokens: TokenRow[], initial: LogEntry | null): Promise<void> {
    await this.sql.begin(async (tx) => {
      await tx`insert into boards (id, name) values (${board.id}, ${board.name})`;
      for (const t of tokens) {
        await tx`insert into tokens (hash, board_id, role, volunteer_id, name) values (${t.hash}, ${t.boardId}, ${t.role}, ${t.volunteerId}, ${t.name ?? null})`;
      }
      if (initial) {
        await tx`insert into doc_updates (board_id, data, actor) values (${board.id}, ${bytes(initial.data)}, ${initial.actor})`;
      }
    });
  }

  async getBoard(id: string): Promise<BoardRow | null> {
    const rows = await this.sql<{ id: string; name: string; created_at: Date }[]>`
      select id, name, created_at from boards where id = ${id}`;
    const row = rows[0];
    return row ? { id: row.id, name: row.name, createdAt: row.created_at } : null;
  }

  async listBoards(): Promise<BoardRow[]> {
    const rows = await this.sql<{ id: string; name: string; created_at: Date }[]>`
      select id, name, created_at from boards order by created_at, id`;
    return rows.map((row) => ({ id: row.id, name: row.name, createdAt: row.created_at }));
  }

  async addToken(t: TokenRow): Promise<void> {
    await this.sql`insert into tokens (hash, board_id, role, volunteer_id, name) values (${t.hash}, ${t.boardId}, ${t.role}, ${t.volunteerId}, ${t.name ?? null})`;
  }

  async findToken(hash: string): Promise<TokenRow | null> {
    const rows = await this.sql<TokenDbRow[]>`
      select hash, board_id, role, volunteer_id, name from tokens where hash = ${hash} and revoked_at is null`;
    return rows[0] ? token(rows[0]) : null;
  }

  async revokeToken(hash: string): Promise<boolean> {
    const rows = await this.sql`update tokens set revoked_at = now(), changed_at = now() where hash = ${hash} and revoked_at is null returning hash`;
    return rows.length > 0;
  }

  async revokeVolunteerTokens(boardId: string, volunteerId: string): Promise<string[]> {
    const rows = await this.sql<{ hash: string }[]>`
      update tokens set revoked_at = now(), changed_at = now()
      where board_id = ${boardId} and volunteer_id = ${volunteerId} and role = 'volunteer' and revoked_at is null
      returning hash`;
    return rows.map((row) => row.hash);
  }

  async listLinks(boardId: string): Promise<LinkRow[]> {
    const rows = await this.sql<LinkDbRow[]>`
      select hash, role, name, volunteer_id, created_at, revoked_at from tokens
      where board_id = ${boardId} order by created_at desc, hash`;
    return rows.map(link);
  }

  async revokeLink(boardId: string, id: string): Promise<string | null> {
    const rows = await this.sql<{ hash: string }[]>`
      update tokens set revoked_at = now(), changed_at = now()
      where board_id = ${boardId} and left(hash, 12) = ${id} and revoked_at is null returning hash`;
    return rows[0]?.hash ?? null;
  }

  async updateLink(boardId: string, id: string, patch: { role?: Role; name?: string | null }): Promise<LinkRow | null> {
    const rows = await this.sql<LinkDbRow[]>`
      update tokens set
        role = coalesce(${patch.role ?? null}, role),
        name = case when ${patch.name !== undefined} then ${patch.name ?? null} else name end,
        changed_at = now()
      where board_id = ${boardId} and left(hash, 12) = ${id} and revoked_at is null
      returning hash, role, name, volunteer_id, created_at, revoked_at`;
    return rows[0] ? link(rows[0]) : null;
  }

  async changedTokens(since: Date | null): Promise<{ changes: { hash: string; at: Date }[]; now: Date }> {
    const [clock] = await this.sql<{ now: Date }[]>`select now() as now`;
    if (!since) return { changes: [], now: clock!.now };
    const rows = await this.sql<{ hash: string; changed_at: Date }[]>`
      select hash, changed_at from tokens where changed_at > ${since}`;
    return { changes: rows.map((row) => ({ hash: row.hash, at: row.changed_at })), now: clock!.now };
  }

  async appendUpdates(boardId: string, entries: LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = entries.map((e) => ({ board_id: boardId, data: bytes(e.data), actor: e.actor }));
    const audit = entries.flatMap((e) => e.audit ?? []).map((a) => ({
      board_id: boardId, at: a.at, actor: a.actor, source: a.source, map: a.map, record_id: a.recordId,
      action: a.action, detail: this.sql.json(a.detail as Parameters<Sql['json']>[0]),
    }));
    if (audit.length === 0) {
      await this.sql`insert into doc_updates ${this.sql(rows, 'board_id', 'data', 'actor')}`;
      return;
    }
    // History commits with the change it describes, in the same statement (one round trip, atomic):
    // a saved change always has its entries.
    await this.sql`
      with logged as (insert into doc_updates ${this.sql(rows, 'board_id', 'data', 'actor')})
      insert into audit ${this.sql(audit, 'board_id', 'at', 'actor', 'source', 'map', 'record_id', 'action', 'detail')}`;
  }

  async listAudit(boardId: string, query: AuditQuery): Promise<AuditRow[]> {
    const sql = this.sql;
    const rows = await sql<{
      id: string; at: Date; actor: string; source: string; map: string; record_id: string; action: string; detail: Record<string, unknown>;
    }[]>`
      select id, at, actor, source, map, record_id, action, detail from audit
      where board_id = ${boardId}
        ${query.map !== undefined && query.recordId !== undefined ? sql`and map = ${query.map} and record_id = ${query.recordId}` : sql``}
        ${query.before !== undefined ? sql`and id < ${query.before}` : sql``}
      order by id desc limit ${query.limit}`;
    return rows.map((row) => ({
      id: Number(row.id), at: row.at, actor: row.actor, source: row.source, map: row.map, recordId: row.record_id,
      action: row.action, detail: row.detail,
    }));
  }

  async saveVersion(boardId: string, data: Uint8Array, at: Date, keepSince: Date): Promise<number> {
    return this.sql.begin(async (tx) => {
      const [row] = await tx<{ id: string }[]>`
        insert into board_versions (board_id, at, data) values (${boardId}, ${at}, ${bytes(data)}) returning id`;
      await tx`delete from board_versions where board_id = ${boardId} and at < ${keepSince} and id <> ${row!.id}`;
      return Number(row!.id);
    });
  }

  async listVersions(boardId: string): Promise<VersionRow[]> {
    const rows = await this.sql<{ id: string; at: Date; bytes: number }[]>`
      select id, at, octet_length(data)::int as bytes from board_versions where board_id = ${boardId} order by at desc, id desc`;
    return rows.map((row) => ({ id: Number(row.id), at: row.at, bytes: row.bytes }));
  }

  async loadVersion(boardId: string, id: number): Promise<{ id: number; at: Date; data: Uint8Array } | null> {
    const rows = await this.sql<{ id: string; at: Date; data: Buffer }[]>`
      select id, at, data from board_versions where board_id = ${boardId} and id = ${id}`;
    const row = rows[0];
    return row ? { id: Number(row.id), at: row.at, data: view(row.data) } : null;
  }

  async loadDoc(boardId: string): Promise<StoredDoc> {
    // One statement, so one snapshot of the database: read as two, a compaction by another
    // process committing in between would hide the rows it folded (old snapshot, rows gone).
    const rows = await this.sql<{ data: Buffer; snapshot: boolean }[]>`
      select data, true as snapshot, id from doc_snapshots where board_id = ${boardId}
      union all
      select data, false as snapshot, id from doc_updates where board_id = ${boardId}
      order by snapshot desc, id`;
    const snapshots = rows.filter((row) => row.snapshot).length;
    return { parts: rows.map((row) => view(row.data)), snapshots, updates: rows.length - snapshots };
  }

  compact(boardId: string, merge: (parts: Uint8Array[]) => Uint8Array | Promise<Uint8Array>): Promise<CompactResult> {
    return this.withCompactionLock(boardId, () => this.compactNow(boardId, merge));
  }

  /**
   * Runs `fn` holding the board's compaction lock on a reserved session (released if the process
   * dies), or answers `busy` at once. PGlite needs none: one process owns it (its lock file), and
   * its single connection cannot be set aside for a lock.
   */
  private async withCompactionLock(boardId: string, fn: () => Promise<CompactResult>): Promise<CompactResult> {
    if (this.kind === 'pglite') return fn();
    const session = await this.sql.reserve();
    try {
      const [row] = await session<{ locked: boolean }[]>`
        select pg_try_advisory_lock(${COMPACTION_LOCK}, hashtext(${boardId})) as locked`;
      if (!row?.locked) return { merged: 0, bytes: 0, busy: true };
      try {
        return await fn();
      } finally {
        await session`select pg_advisory_unlock(${COMPACTION_LOCK}, hashtext(${boardId}))`.catch(() => {});
      }
    } finally {
      session.release();
    }
  }

  private async compactNow(boardId: string, merge: (parts: Uint8Array[]) => Uint8Array | Promise<Uint8Array>): Promise<CompactResult> {
    const snapshots = await this.sql<{ id: string; data: Buffer }[]>`
      select id, data from doc_snapshots where board_id = ${boardId} order by id`;
    const updates = await this.sql<{ id: string; data: Buffer }[]>`
      select id, data from doc_updates where board_id = ${boardId} order by id`;
    if (updates.length === 0 && snapshots.length <= 1) return { merged: 0, bytes: 0 };
    const merged = await merge([...snapshots, ...updates].map((row) => view(row.data)));
    const snapshotIds = snapshots.map((row) => row.id);
    const updateIds = updates.map((row) => row.id);
    await this.sql.begin(async (tx) => {
      await tx`insert into doc_snapshots (board_id, data, covers_updates) values (${boardId}, ${bytes(merged)}, ${updateIds.length})`;
      if (snapshotIds.length) await tx`delete from doc_snapshots where id in ${tx(snapshotIds)}`;
      if (updateIds.length) await tx`delete from doc_updates where id in ${tx(updateIds)}`;
    });
    return { merged: updateIds.length, bytes: merged.byteLength };
  }

  async openShift(boardId: string, volunteerId: string, at: Date): Promise<boolean> {
    const rows = await this.sql`
      insert into shifts (board_id, volunteer_id, started_at) values (${boardId}, ${volunteerId}, ${at})
      on conflict (board_id, volunteer_id) where ended_at is null do nothing returning id`;
    return rows.length > 0;
  }

  async closeShift(boardId: string, volunteerId: string, at: Date): Promise<boolean> {
    const rows = await this.sql`
      update shifts set ended_at = greatest(started_at, ${at})
      where board_id = ${boardId} and volunteer_id = ${volunteerId} and ended_at is null returning id`;
    return rows.length > 0;
  }

  async listShifts(boardId: string, from: Date, to: Date): Promise<ShiftRow[]> {
    const rows = await this.sql<{ volunteer_id: string; started_at: Date; ended_at: Date | null }[]>`
      select volunteer_id, started_at, ended_at from shifts
      where board_id = ${boardId} and started_at < ${to} and (ended_at is null or ended_at > ${from})
      order by started_at, id`;
    return rows.map((row) => ({ volunteerId: row.volunteer_id, startedAt: row.started_at, endedAt: row.ended_at }));
  }

  async logSize(boardId: string): Promise<number> {
    const rows = await this.sql<{ n: number }[]>`select count(*)::int as n from doc_updates where board_id = ${boardId}`;
    return rows[0]?.n ?? 0;
  }

  async ping(): Promise<void> {
    await this.sql`select 1`;
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
    await this.onClose();
  }
}
