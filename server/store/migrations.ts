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
  // Volunteers' shifts (check-in to check-out) for service hours; at most one open per volunteer.
  `
  create table shifts (
    id bigserial primary key,
    board_id text not null references boards(id) on delete cascade,
    volunteer_id text not null,
    started_at timestamptz not null,
    ended_at timestamptz
  );
  create index shifts_board on shifts (board_id, started_at);
  create unique index shifts_open on shifts (board_id, volunteer_id) where ended_at is null;
  `,
  // History (#7): who changed what and when, kept apart from the update log (which compaction
  // folds away), and whole-board versions to restore from (written at most once an hour).
  `
  create table audit (
    board_id text not null references boards(id) on delete cascade,
    id bigserial primary key,
    at timestamptz not null,
    actor text not null,
    source text not null,
    map text not null,
    record_id text not null,
    action text not null,
    detail jsonb not null default '{}'
  );
  create index audit_board on audit (board_id, id);
  create index audit_record on audit (board_id, map, record_id, id);
  create table board_versions (
    board_id text not null references boards(id) on delete cascade,
    id bigserial primary key,
    at timestamptz not null,
    data bytea not null
  );
  create index board_versions_board on board_versions (board_id, at);
  `,
  // Roles and links (#7): links carry a name, and every revocation or role change stamps
  // changed_at so every process can cut off the link's live connections within seconds.
  `
  alter table tokens add column name text;
  alter table tokens add column changed_at timestamptz not null default now();
  create index tokens_changed on tokens (changed_at);
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
