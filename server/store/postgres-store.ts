import type { Sql } from 'postgres';
import type { BoardRow, CompactResult, LogEntry, Role, Store, StoredDoc, TokenRow } from './store.js';

const bytes = (data: Uint8Array): Buffer => Buffer.from(data.buffer, data.byteOffset, data.byteLength);
const view = (data: Buffer): Uint8Array => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

interface TokenDbRow { hash: string; board_id: string; role: string; volunteer_id: string | null }
const token = (row: TokenDbRow): TokenRow => ({
  hash: row.hash, boardId: row.board_id, role: row.role as Role, volunteerId: row.volunteer_id,
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
        await tx`insert into tokens (hash, board_id, role, volunteer_id) values (${t.hash}, ${t.boardId}, ${t.role}, ${t.volunteerId})`;
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
    await this.sql`insert into tokens (hash, board_id, role, volunteer_id) values (${t.hash}, ${t.boardId}, ${t.role}, ${t.volunteerId})`;
  }

  async findToken(hash: string): Promise<TokenRow | null> {
    const rows = await this.sql<TokenDbRow[]>`
      select hash, board_id, role, volunteer_id from tokens where hash = ${hash} and revoked_at is null`;
    return rows[0] ? token(rows[0]) : null;
  }

  async revokeToken(hash: string): Promise<boolean> {
    const rows = await this.sql`update tokens set revoked_at = now() where hash = ${hash} and revoked_at is null returning hash`;
    return rows.length > 0;
  }

  async revokeVolunteerTokens(boardId: string, volunteerId: string): Promise<number> {
    const rows = await this.sql`
      update tokens set revoked_at = now()
      where board_id = ${boardId} and volunteer_id = ${volunteerId} and role = 'volunteer' and revoked_at is null
      returning hash`;
    return rows.length;
  }

  async appendUpdates(boardId: string, entries: LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = entries.map((e) => ({ board_id: boardId, data: bytes(e.data), actor: e.actor }));
    await this.sql`insert into doc_updates ${this.sql(rows, 'board_id', 'data', 'actor')}`;
  }

  async loadDoc(boardId: string): Promise<StoredDoc> {
    const snapshots = await this.sql<{ data: Buffer }[]>`
      select data from doc_snapshots where board_id = ${boardId} order by id`;
    const updates = await this.sql<{ data: Buffer }[]>`
      select data from doc_updates where board_id = ${boardId} order by id`;
    return {
      parts: [...snapshots, ...updates].map((row) => view(row.data)),
      snapshots: snapshots.length,
      updates: updates.length,
    };
  }

  async compact(boardId: string, merge: (parts: Uint8Array[]) => Uint8Array | Promise<Uint8Array>): Promise<CompactResult> {
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
