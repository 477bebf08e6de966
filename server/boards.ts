// Creating boards and issuing links: shared by the board CLI, the server's first start and the
// admin endpoints, so every path writes the same rows.
import * as Y from 'yjs';
import { readRecord, setMeta } from '../shared/doc.js';
import { fail, ok, type Result } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { hashToken, newToken } from './auth.js';
import type { Store } from './store/store.js';

export interface BoardLinks {
  /** The admin page: names, issues and revokes the board's lead and display links. */
  admin: string;
  lead: string;
  display: string;
  request: string;
  join: string;
  /** Residents' "is my building called yet" page (aggregates, like the display). */
  status: string;
}

export interface CreatedBoard {
  id: string;
  adminToken: string;
  leadToken: string;
  displayToken: string;
  intakeToken: string;
  urls: BoardLinks;
}

export function boardLinks(base: string, id: string, t: { adminToken: string; leadToken: string; displayToken: string; intakeToken: string }): BoardLinks {
  return {
    admin: adminUrl(base, id, t.adminToken),
    lead: leadUrl(base, id, t.leadToken),
    display: displayUrl(base, t.displayToken),
    request: `${base}/r/${id}#${t.intakeToken}`,
    join: `${base}/j/${id}#${t.intakeToken}`,
    status: `${base}/s/${t.displayToken}`,
  };
}

export function adminUrl(base: string, boardId: string, token: string): string {
  return `${base}/a/${boardId}#${token}`;
}

export function leadUrl(base: string, boardId: string, token: string): string {
  return `${base}/b/${boardId}#${token}`;
}

export function displayUrl(base: string, token: string): string {
  return `${base}/d/${token}`;
}

export function volunteerUrl(base: string, token: string): string {
  return `${base}/v#${token}`;
}

/** The initial document of a new board: its name, or the whole demo compound. */
export async function initialState(name: string, demo: boolean, now = Date.now()): Promise<Uint8Array> {
  const doc = new Y.Doc();
  if (demo) (await import('../scripts/demo-seed.js')).seedDemo(doc, now);
  doc.transact(() => setMeta(doc, demo ? { name } : { name, address: '', zone: 'normal' }));
  return Y.encodeStateAsUpdate(doc);
}

export async function createBoard(
  store: Store, input: { name: string; demo: boolean }, base: string,
): Promise<CreatedBoard> {
  const id = newId('', 12);
  const tokens = { adminToken: newToken(), leadToken: newToken(), displayToken: newToken(), intakeToken: newToken() };
  await store.createBoard({ id, name: input.name }, [
    { hash: hashToken(tokens.adminToken), boardId: id, role: 'admin', volunteerId: null, name: '管理员' },
    { hash: hashToken(tokens.leadToken), boardId: id, role: 'lead', volunteerId: null },
    { hash: hashToken(tokens.displayToken), boardId: id, role: 'display', volunteerId: null },
    { hash: hashToken(tokens.intakeToken), boardId: id, role: 'intake', volunteerId: null },
  ], { data: await initialState(input.name, input.demo), actor: 'system:create' });
  return { id, ...tokens, urls: boardLinks(base, id, tokens) };
}

/** Replays a board's stored state into a fresh doc (for the CLI and checks outside a room). */
export async function loadStoredDoc(store: Store, boardId: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const stored = await store.loadDoc(boardId);
  doc.transact(() => { for (const part of stored.parts) Y.applyUpdate(doc, part); });
  return doc;
}

export async function issueVolunteerLink(
  store: Store, boardId: string, volunteerId: string, base: string,
): Promise<Result<{ token: string; url: string }>> {
  if (!(await store.getBoard(boardId))) return fail('notFound', `board ${boardId}`);
  const volunteer = readRecord(await loadStoredDoc(store, boardId), 'volunteers', volunteerId);
  if (!volunteer.ok) return fail('notFound', `volunteer ${volunteerId} on board ${boardId}`);
  const token = newToken();
  await store.addToken({ hash: hashToken(token), boardId, role: 'volunteer', volunteerId });
  return ok({ token, url: volunteerUrl(base, token) });
}
