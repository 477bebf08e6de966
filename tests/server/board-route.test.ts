// GET /api/boards/:id/board: the lead's first-paint records are exactly the live document's,
// and only a lead of that board gets them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORD_MAPS, readBoard } from '../../shared/doc.js';
import { moveTask } from '../../shared/mutations.js';
import { openBoard, type BoardFixture } from '../helpers/server.js';

describe('board records for first paint', () => {
  let fx: BoardFixture;
  beforeAll(async () => { fx = await openBoard('梧桐苑', true); });
  afterAll(async () => { await fx?.close(); });

  const get = (token?: string, boardId = fx.board.id) => fetch(`${fx.server.url}/api/boards/${boardId}/board`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

  it('answers a lead with every record of the live document, including a change just made', async () => {
    const truth = readBoard(fx.lead.doc);
    const taskId = [...truth.tasks.keys()][0]!;
    const volunteerId = [...truth.volunteers.keys()][3]!;
    const moved = moveTask(fx.lead.doc, { taskId, to: volunteerId }, { source: 'lead', actor: 'test' });
    expect(moved.ok).toBe(true);
    await fx.lead.save.whenSaved();
    const res = await get(fx.board.leadToken);
    expect(res.status).toBe(200);
    const body = await res.json() as Record<string, { id: string }[]> & { meta: { name: string } };
    const now = readBoard(fx.lead.doc);
    expect(body.meta.name).toBe('梧桐苑');
    for (const name of RECORD_MAPS) {
      expect(body[name]).toHaveLength(now[name].size);
      for (const record of body[name]!) expect(record).toEqual(now[name].get(record.id));
    }
    expect(body.tasks.find((t) => t.id === taskId)).toMatchObject({ slot: { assigneeId: volunteerId } });
  });

  it('refuses anyone but a lead of this board', async () => {
    expect((await get()).status).toBe(401);
    expect((await get('not-a-token')).status).toBe(401);
    const display = await get(fx.board.displayToken);
    expect(display.status).toBe(403);
    expect(JSON.stringify(await display.json())).not.toContain('梧桐苑');
    expect((await get(fx.board.intakeToken)).status).toBe(403);
    expect((await get(fx.board.leadToken, 'another-board')).status).toBe(401);
  });
});
