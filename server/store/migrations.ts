import type { Sql } from 'postgres';

// Append-only list: never edit a migration that has shipped, add the next one.
const MIGRATIONS: string[] = [
  `
  create table boards (
    id text primary key,
    name text not null,
    created_at timestamptz not null default now()
  );
  create table tokens (
    hash text primary key,
    board_id text not null references boards(id) on delete cascade,
    role text not null,
    volunteer_id text,
    created_at timestamptz not null default now(),
    revoked_at timestamptz
  );
  create index tokens_board on tokens (board_id);
  create table doc_updates (
    id bigserial primary key,
    board_id text not null references boards(id) on delete cascade,
    data bytea not null,
    actor text,
    created_at timestamptz not null default now()
  );
  create index doc_updates_board on doc_updates (board_id, id);
  create table doc_snapshots (
    id bigserial primary key,
    board_id text not null references boards(id) on delete cascade,
    data bytea not null,
    covers_updates integer not null,
    created_at timestamptz not null default now()
  );
  create index doc_snapshots_board on doc_snapshots (board_id, id);
  `,
];

/** Brings the schema up to date. Serialised by an advisory lock so several processes may start at once. */
export async function migrate(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(7450001)`;
    await tx`create table if not exists schema_migrations (version integer primary key, applied_at timestamptz not null default now())`;
    const rows = await tx<{ version: number }[]>`select version from schema_migrations`;
    const done = new Set(rows.map((row) => row.version));
    for (const [index, text] of MIGRATIONS.entries()) {
      const version = index + 1;
      if (done.has(version)) continue;
      await tx.unsafe(text);
      await tx`insert into schema_migrations (version) values (${version})`;
    }
  });
}
