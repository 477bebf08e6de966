// Imports: header mapping, 快团团 and 群接龙 exports (DOMAIN.md §4.3) into delivery cards, bad rows
// reported with the line a spreadsheet shows, and nothing applied while any row is bad.
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readBoard } from '../../shared/doc.js';
import { applyImport, previewImport, type ImportKind } from '../../shared/imports.js';
import { addBuilding, addVolunteer, type Origin } from '../../shared/mutations.js';
import { readSheet } from '../../server/spreadsheets.js';

const ORIGIN: Origin = { source: 'lead', actor: 'test' };
const fixture = (name: string) => readSheet(readFileSync(new URL(`../fixtures/${name}`, import.meta.url)))!;
const csv = (text: string) => readSheet(Buffer.from(text, 'utf8'))!;

function board(): Y.Doc {
  const doc = new Y.Doc();
  for (const n of [3, 5, 12, 27]) {
    const made = addBuilding(doc, { id: `b${n}`, label: `${n}号`, area: 'A', households: 24 });
    if (!made.ok) throw new Error(made.message);
  }
  return doc;
}

const preview = (doc: Y.Doc, kind: ImportKind, rows: string[][]) => previewImport(kind, rows, readBoard(doc));
const state = (doc: Y.Doc) => Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64');

describe('imports', () => {
  let doc: Y.Doc;
  beforeEach(() => { doc = board(); });

  it('maps Chinese and English headers, creates new buildings and updates known ones by label', () => {
    const rows = csv('楼栋,片区,层数,户数,常住人数,管控状态\n12号楼,B,6,24,70,封控\n31,C,18,72,190,\n32号,C,18,72,,管控区\n');
    const p = preview(doc, 'buildings', rows);
    expect(p.errors).toEqual([]);
    expect(p.rows).toEqual([
      { line: 2, action: 'update', label: '12号', area: 'B', floors: 6, households: 24, residents: 70, zone: 'sealed' },
      { line: 3, action: 'create', label: '31号', area: 'C', floors: 18, households: 72, residents: 190 },
      { line: 4, action: 'create', label: '32号', area: 'C', floors: 18, households: 72, zone: 'controlled' },
    ]);
    const english = preview(doc, 'buildings', csv('Building,Households\n40,10\n'));
    expect(english.rows).toEqual([{ line: 2, action: 'create', label: '40号', households: 10 }]);

    const applied = applyImport(doc, p, ORIGIN);
    expect(applied).toEqual({ ok: true, value: { created: 2, updated: 1 } });
    const buildings = [...readBoard(doc).buildings.values()];
    expect(buildings.length).toBe(6);
    expect(buildings.find((b) => b.label === '12号')).toMatchObject({ id: 'b12', area: 'B', residents: 70, zone: 'sealed' });
    expect(buildings.find((b) => b.label === '32号')).toMatchObject({ residents: 0, zone: 'controlled', floors: 18 });
  });

  it('reports bad rows with their spreadsheet line and column, and applies nothing', () => {
    // Line 1 is a title row, line 2 the header, line 5 blank.
    const rows = csv('梧桐苑楼栋表\n楼号,户数,人数\n1号,24,60\n2号,二十四,60\n\n3号,24,60\n1号楼,24,60\n,24,1\n');
    const p = preview(doc, 'buildings', rows);
    expect(p.errors.map(({ line, column, code }) => ({ line, column, code }))).toEqual([
      { line: 4, column: '户数', code: 'number' },
      { line: 7, column: '楼号', code: 'duplicate' },
      { line: 8, column: '楼号', code: 'required' },
    ]);
    expect(p.errors[0]!.message).toContain('第 4 行');
    expect(p.errors[1]!.value).toBe('第 3 行');
    const before = state(doc);
    const applied = applyImport(doc, p, ORIGIN);
    expect(applied.ok).toBe(false);
    expect(state(doc)).toBe(before);
    // A preview with its errors stripped is still checked against its schema.
    expect(applyImport(doc, { ...p, errors: [], rows: [{ ...p.rows[0], floors: -1 }] }, ORIGIN).ok).toBe(false);
    expect(state(doc)).toBe(before);
  });

  it('says which column is missing and finds no header in a random sheet', () => {
    expect(preview(doc, 'volunteers', csv('姓名,技能\n张三,医疗\n')).errors).toEqual([
      expect.objectContaining({ line: 1, code: 'missingColumn', value: '手机' }),
    ]);
    expect(preview(doc, 'groupbuy', csv('a,b\n1,2\n')).errors[0]!.code).toBe('noHeader');
  });

  it('imports volunteers with skills, team and buildings, deduplicated by phone', () => {
    const existing = addVolunteer(doc, { name: '李明', phone: '138 0000 0001', health: 'eligible' });
    if (!existing.ok) throw new Error(existing.message);
    const rows = csv([
      '姓名,手机号,技能,组别,角色,负责楼栋',
      '李明,13800000001,开车、搬运,配送,,12号',
      '王芳,+86 138-0000-0002,医疗,核酸组,楼组长,3号 5号',
      '赵强,13800000003,,,,',
      '王芳2,138-0000-0002,,,,',
      '钱,12ab,,,,',
      '孙,13800000006,唱歌,,,',
      '周,13800000007,,,,99号',
    ].join('\n'));
    const p = preview(doc, 'volunteers', rows);
    expect(p.errors.map(({ line, code }) => [line, code])).toEqual([[5, 'duplicate'], [6, 'phone'], [7, 'unknownValue'], [8, 'unknownBuilding']]);
    expect(p.errors[2]!.value).toBe('唱歌');
    expect(applyImport(doc, p, ORIGIN).ok).toBe(false);

    const good = preview(doc, 'volunteers', rows.slice(0, 4));
    expect(good.errors).toEqual([]);
    expect(applyImport(doc, good, ORIGIN)).toEqual({ ok: true, value: { created: 2, updated: 1 } });
    const volunteers = [...readBoard(doc).volunteers.values()];
    expect(volunteers.length).toBe(3);
    expect(volunteers.find((v) => v.id === existing.value)).toMatchObject({
      name: '李明', skills: ['driving', 'lifting'], team: 'supply', buildingIds: ['b12'], health: 'eligible',
    });
    expect(volunteers.find((v) => v.name === '王芳')).toMatchObject({
      team: 'testing', role: 'buildingLead', skills: ['medical'], buildingIds: ['b3', 'b5'], health: 'untested', onDuty: false,
    });
  });

  it('turns a 快团团 export into one delivery card per building with households and rooms', () => {
    const p = preview(doc, 'groupbuy', fixture('kuaituantuan.csv'));
    expect(p.errors).toEqual([]);
    if (p.kind !== 'groupbuy') throw new Error('kind');
    expect(p.rows[0]).toMatchObject({ line: 2, building: '12号', room: '502', name: '张阿姨', phone: '138-0000-1001', items: '蔬菜包（5斤装）×2' });
    expect(p.cards).toEqual([
      { action: 'create', buildingId: 'b3', building: '3号', title: '团购配送：蔬菜包 · 3号 · 1户', households: 1, quantity: 3 },
      { action: 'create', buildingId: 'b12', building: '12号', title: '团购配送：蔬菜包 · 12号 · 2户', households: 2, quantity: 4 },
      { action: 'create', buildingId: 'b27', building: '27号', title: '团购配送：蔬菜包 · 27号 · 2户', households: 2, quantity: 2 },
    ]);
    expect(applyImport(doc, p, ORIGIN)).toEqual({ ok: true, value: { created: 3, updated: 0 } });
    const cards = [...readBoard(doc).tasks.values()];
    const b12 = cards.find((t) => t.buildingId === 'b12')!;
    expect(b12).toMatchObject({ kind: 'supplyDelivery', status: 'open', slot: { assigneeId: null } });
    expect(b12.notes).toBe('2户 · 共4份\n房号：502、601');
    expect(b12.notes).not.toContain('138');
    expect(b12.orders).toEqual([
      { room: '502', name: '张阿姨', phone: '138-0000-1001', items: '蔬菜包（5斤装）×2', quantity: 2 },
      { room: '502', name: '王芳', phone: '138-0000-1003', items: '蔬菜包（5斤装）×1', quantity: 1 },
      { room: '601', name: '李明', phone: '138-0000-1002', items: '蔬菜包（5斤装）×1', quantity: 1 },
    ]);
    // The same export again updates the same three cards instead of adding three more.
    const again = preview(doc, 'groupbuy', fixture('kuaituantuan.csv'));
    expect(applyImport(doc, again, ORIGIN)).toEqual({ ok: true, value: { created: 0, updated: 3 } });
    expect(readBoard(doc).tasks.size).toBe(3);
  });

  it('reads a 群接龙 export: title row, addresses, totals row skipped', () => {
    const p = preview(doc, 'groupbuy', fixture('qunjielong.csv'));
    expect(p.errors).toEqual([]);
    if (p.kind !== 'groupbuy') throw new Error('kind');
    expect(p.rows.map((r) => [r.line, r.building, r.room, r.quantity])).toEqual([
      [3, '12号', '502', 1], [4, '12号', '302', 2], [5, '5号', '101', 1], [6, '5号', '102', 1],
    ]);
    expect(p.cards.map((c) => c.title)).toEqual(['团购配送：鸡蛋团购（30枚装） · 5号 · 2户', '团购配送：鸡蛋团购（30枚装） · 12号 · 2户']);
    expect(applyImport(doc, p, ORIGIN)).toEqual({ ok: true, value: { created: 2, updated: 0 } });
    expect([...readBoard(doc).tasks.values()].find((t) => t.buildingId === 'b12')!.notes).toBe('2户 · 共3份\n房号：302、502');
  });

  it('refuses a group buy with an unknown building or an unreadable address, naming the lines', () => {
    const rows = fixture('qunjielong.csv');
    rows[3]![4] = '梧桐苑88弄99号楼101室';
    rows[5]![4] = '门卫室';
    const p = preview(doc, 'groupbuy', rows);
    expect(p.errors.map(({ line, column, code }) => ({ line, column, code }))).toEqual([
      { line: 4, column: '收货地址', code: 'unknownBuilding' },
      { line: 6, column: '收货地址', code: 'address' },
    ]);
    const before = state(doc);
    expect(applyImport(doc, p, ORIGIN).ok).toBe(false);
    expect(state(doc)).toBe(before);
  });

  it('re-checks the board when applying: a building removed since the preview refuses the whole import', () => {
    const p = preview(doc, 'groupbuy', fixture('kuaituantuan.csv'));
    doc.getMap('buildings').delete('b27');
    const before = state(doc);
    expect(applyImport(doc, p, ORIGIN)).toMatchObject({ ok: false, code: 'notFound' });
    expect(state(doc)).toBe(before);
  });

  it('writes a whole import in one transaction', () => {
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);
    const rows = csv(['楼号,户数', ...Array.from({ length: 40 }, (_, i) => `${100 + i}号,${i}`)].join('\n'));
    expect(applyImport(doc, preview(doc, 'buildings', rows), ORIGIN)).toEqual({ ok: true, value: { created: 40, updated: 0 } });
    expect(transactions).toBe(1);
    const ordered = [...readBoard(doc).buildings.values()].sort((a, b) => (a.rank < b.rank ? -1 : 1)).map((b) => b.label);
    expect(ordered.slice(0, 5)).toEqual(['3号', '5号', '12号', '27号', '100号']);
    expect(ordered.at(-1)).toBe('139号');
  });
});
