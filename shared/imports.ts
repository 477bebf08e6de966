// Spreadsheet imports (CSV or XLSX, read into rows of text by the server): buildings and
// households, volunteers, and group-buy exports from 快团团 / 群接龙 (DOMAIN.md §4.3), which
// become one delivery card per building. previewImport reads and checks every row and reports
// each bad one with its line as a spreadsheet shows it; applyImport writes all of it in one
// transaction, and only when no row is bad: an import is never half-applied.
import { generateNKeysBetween } from 'fractional-indexing';
import type * as Y from 'yjs';
import { z } from 'zod';
import { getRecord, insertRecord, readBoard, setFields, type Board } from './doc.js';
import { fail, ok, type Result } from './errors.js';
import { newId } from './ids.js';
import { sortByRank, type Ranked } from './lanes.js';
import type { Origin } from './mutations.js';
import { parseRequestLine } from './parse-line.js';
import {
  BuildingSchema, OrderLineSchema, SKILLS, TEAMS, TaskSchema, VOLUNTEER_ROLES, VolunteerSchema, ZONES,
  type Building, type OrderLine, type Task, type Volunteer, type WithId,
} from './schema.js';

export const IMPORT_KINDS = ['buildings', 'volunteers', 'groupbuy'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** Why a row was refused; the client shows each through t(`data.err.CODE`). */
export const IMPORT_ERRORS = [
  'noHeader', 'missingColumn', 'required', 'number', 'phone', 'unknownBuilding', 'address',
  'duplicate', 'unknownValue', 'tooLong', 'tooMany',
] as const;
export type ImportErrorCode = (typeof IMPORT_ERRORS)[number];

export interface ImportError {
  /** 1-based row number as a spreadsheet shows it. */
  line: number;
  /** The column's header as written in the file. */
  column?: string;
  code: ImportErrorCode;
  /** The offending cell, or what it clashes with ("第 3 行"). */
  value?: string;
  message: string;
}

/** Rows past this are refused: a compound has at most a few thousand households. */
export const MAX_IMPORT_ROWS = 5_000;
const HEADER_SEARCH_ROWS = 10;

const ERROR_TEXT: Record<ImportErrorCode, string> = {
  noHeader: '找不到表头', missingColumn: '缺少列', required: '必填', number: '应为不小于 0 的整数',
  phone: '电话号码格式不对', unknownBuilding: '看板上没有这个楼栋', address: '认不出楼号和房号',
  duplicate: '与前面的行重复', unknownValue: '认不出这个值', tooLong: '内容太长', tooMany: '行数太多',
};

// ---------------------------------------------------------------- headers

/** Every header a column goes by, Chinese first; compared without spaces, case or "*". */
const COLUMNS = {
  buildings: {
    label: ['楼号', '楼栋', '楼栋号', '幢', '幢号', '栋', '栋号', '楼', 'building', 'label'],
    area: ['片区', '块区', '区域', '网格', 'area'],
    floors: ['层数', '楼层数', '总层数', 'floors'],
    households: ['户数', '住户数', '总户数', 'households'],
    residents: ['人数', '居民人数', '常住人数', '居民数', 'residents'],
    zone: ['管控状态', '状态', '分区', '风险区', 'zone'],
  },
  volunteers: {
    name: ['姓名', '名字', '志愿者', '志愿者姓名', 'name'],
    phone: ['手机', '手机号', '手机号码', '电话', '联系电话', '联系方式', 'phone', 'mobile'],
    skills: ['技能', '特长', '专长', 'skills'],
    team: ['组别', '分组', '小组', '所在组', 'team', 'group'],
    role: ['角色', '身份', '职务', 'role'],
    buildings: ['负责楼栋', '包楼', '包干楼栋', '负责楼号', 'buildings'],
  },
  groupbuy: {
    building: ['楼号', '楼栋', '楼栋号', '幢', '栋', 'building'],
    room: ['房号', '室', '房间号', '门牌号', '室号', 'room'],
    address: ['收货地址', '详细地址', '地址', '住址', 'address'],
    name: ['收货人', '姓名', '下单人', '团员', 'name'],
    phone: ['联系电话', '手机', '手机号', '电话', '收货人电话', 'phone'],
    product: ['商品', '商品名称', '商品名', '团购商品', '物品', '购买物品', 'product', 'item'],
    spec: ['规格', '商品规格', 'spec'],
    quantity: ['数量', '订购数量', '份数', '购买数量', '商品数量', 'quantity', 'qty'],
    leader: ['团长', 'leader'],
  },
} as const;

type Field<K extends ImportKind> = keyof (typeof COLUMNS)[K];

const REQUIRED: { [K in ImportKind]: Field<K>[][] } = {
  buildings: [['label']],
  volunteers: [['name'], ['phone']],
  // A group-buy row is placed either by building + room columns (快团团) or by an address (群接龙).
  groupbuy: [['building', 'address'], ['room', 'address']],
};

const norm = (header: string) => header.replace(/[\s*＊:：]/g, '').replace(/[（(][^)）]*[)）]$/, '').toLowerCase();

interface Header<K extends ImportKind> {
  line: number;
  columns: Map<Field<K>, { index: number; title: string }>;
}

/**
 * The header row: the one of the first rows naming the most known columns (title rows above are
 * skipped). Each field takes the cell matching its earliest alias, so 快团团's 收货人 wins over 下单人.
 */
function findHeader<K extends ImportKind>(kind: K, rows: string[][]): Header<K> | null {
  const aliases = COLUMNS[kind] as Record<string, readonly string[]>;
  let best: Header<K> | null = null;
  for (let r = 0; r < Math.min(rows.length, HEADER_SEARCH_ROWS); r++) {
    const cells = (rows[r] ?? []).map((cell) => norm(String(cell ?? '')));
    const columns = new Map<Field<K>, { index: number; title: string }>();
    const used = new Set<number>();
    for (const [field, names] of Object.entries(aliases)) {
      for (const name of names) {
        const index = cells.findIndex((cell, i) => cell === name && !used.has(i));
        if (index === -1) continue;
        used.add(index);
        columns.set(field as Field<K>, { index, title: String(rows[r]![index]).trim() });
        break;
      }
    }
    if (columns.size > (best?.columns.size ?? 0)) best = { line: r + 1, columns };
  }
  return best;
}

// ---------------------------------------------------------------- cells

const ZONE_WORDS: Record<string, (typeof ZONES)[number]> = {
  封控: 'sealed', 封控区: 'sealed', 封控楼: 'sealed', sealed: 'sealed',
  管控: 'controlled', 管控区: 'controlled', controlled: 'controlled',
  防范: 'precaution', 防范区: 'precaution', precaution: 'precaution',
  正常: 'normal', normal: 'normal',
};
const SKILL_WORDS: Record<string, (typeof SKILLS)[number]> = {
  医疗: 'medical', 医护: 'medical', 医生: 'medical', 护士: 'medical', medical: 'medical',
  驾驶: 'driving', 开车: 'driving', 司机: 'driving', 电瓶车: 'driving', 电动车: 'driving', driving: 'driving',
  搬运: 'lifting', 体力: 'lifting', 力气: 'lifting', lifting: 'lifting',
  电脑: 'it', it: 'it', 表格: 'it', 数据: 'it',
  外语: 'language', 翻译: 'language', 英语: 'language', 日语: 'language', 韩语: 'language', language: 'language',
  心理: 'psych', 心理咨询: 'psych', psych: 'psych',
};
const TEAM_WORDS: Record<string, (typeof TEAMS)[number]> = {
  协调: 'coordination', 综合: 'coordination', 核酸: 'testing', 核酸组: 'testing', 抗原: 'antigen', 抗原组: 'antigen',
  团购: 'groupBuy', 团购组: 'groupBuy', 物资: 'supply', 物资组: 'supply', 配送: 'supply', 配送组: 'supply', 快递: 'supply',
  关爱: 'care', 关爱组: 'care', 配药: 'care', 买药组: 'care', 垃圾: 'garbage', 垃圾组: 'garbage',
  消杀: 'disinfection', 消杀组: 'disinfection', 翻译: 'translation', 翻译组: 'translation',
  门岗: 'gate', 门岗组: 'gate', 机动: 'floating', 机动组: 'floating',
  ...Object.fromEntries(TEAMS.map((team) => [team.toLowerCase(), team])),
};
const ROLE_WORDS: Record<string, (typeof VOLUNTEER_ROLES)[number]> = {
  核心: 'core', 核心志愿者: 'core', 组长: 'core', 楼组长: 'buildingLead', 楼长: 'buildingLead',
  机动: 'floating', 志愿者: 'floating', 团长: 'groupBuyLeader',
  ...Object.fromEntries(VOLUNTEER_ROLES.map((role) => [role.toLowerCase(), role])),
};

const LIST_SPLIT = /[,，、;；/\s]+/;
const TOTALS_ROW = /^(合计|总计|汇总|小计|总数)/;

/** "12号" and "12" and "12号楼" and "12栋" name the same building. */
export function buildingKey(label: string): string {
  return label.replace(/\s/g, '').replace(/(号楼|号|栋|幢|楼)$/, '').toLowerCase();
}

/** How a new building's label is written on the board: "12号楼" → "12号"; "A座" stays. */
function boardLabel(label: string): string {
  const number = label.replace(/\s/g, '').match(/^(\d{1,4})(号楼|号|栋|幢|楼)?$/);
  return number ? `${number[1]}号` : label.trim();
}

/** Digits of a phone number, without a +86 prefix: what two rows are compared by. */
export function phoneKey(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length === 13 && digits.startsWith('86') ? digits.slice(2) : digits;
}

const countCell = z.string().transform((s, ctx) => {
  const digits = s.replace(/[\s,，户人层份个件]/g, '');
  if (digits === '') return undefined;
  if (/^\d{1,7}$/.test(digits)) return Number(digits);
  ctx.addIssue({ code: 'custom', message: 'number', input: s });
  return z.NEVER;
});
const phoneCell = z.string().trim().max(32, { message: 'tooLong' })
  .refine((s) => s === '' || (/^[\d\s+\-()（）]+$/.test(s) && phoneKey(s).length >= 7 && phoneKey(s).length <= 13), { message: 'phone' });
const textCell = (max: number) => z.string().trim().max(max, { message: 'tooLong' });

/** A words cell ("医疗、开车") as enum values; an unknown word is refused. */
const wordsCell = <T extends string>(words: Record<string, T>) => z.string().transform((s, ctx) => {
  const out: T[] = [];
  for (const word of s.split(LIST_SPLIT).filter(Boolean)) {
    const value = words[word.toLowerCase()];
    if (!value) {
      ctx.addIssue({ code: 'custom', message: 'unknownValue', input: word });
      return z.NEVER;
    }
    if (!out.includes(value)) out.push(value);
  }
  return out.length > 0 ? out : undefined;
});
const wordCell = <T extends string>(words: Record<string, T>) => wordsCell(words).transform((list) => list?.[0]);

const BuildingRow = z.object({
  label: textCell(32).min(1, { message: 'required' }),
  area: textCell(32).optional(),
  floors: countCell.optional(),
  households: countCell.optional(),
  residents: countCell.optional(),
  zone: wordCell(ZONE_WORDS).optional(),
});
const VolunteerRow = z.object({
  name: textCell(64).min(1, { message: 'required' }),
  phone: phoneCell.refine((s) => s !== '', { message: 'required' }),
  skills: wordsCell(SKILL_WORDS).optional(),
  team: wordCell(TEAM_WORDS).optional(),
  role: wordCell(ROLE_WORDS).optional(),
  buildings: z.string().transform((s) => s.split(LIST_SPLIT).filter(Boolean)).optional(),
});
const OrderRow = z.object({
  building: textCell(32).optional(),
  room: z.string().transform((s) => s.replace(/[\s室]/g, '')).pipe(z.string().max(16, { message: 'tooLong' })).optional(),
  address: textCell(200).optional(),
  name: textCell(64).optional(),
  phone: phoneCell.optional(),
  product: textCell(100).optional(),
  spec: textCell(60).optional(),
  quantity: countCell.optional(),
  leader: textCell(64).optional(),
});

// ---------------------------------------------------------------- preview

export const BuildingPreview = z.object({
  line: z.number().int().min(1),
  action: z.enum(['create', 'update']),
  label: z.string().min(1).max(32),
  area: z.string().max(32).optional(),
  floors: z.number().int().min(0).optional(),
  households: z.number().int().min(0).optional(),
  residents: z.number().int().min(0).optional(),
  zone: z.enum(ZONES).optional(),
});
export const VolunteerPreview = z.object({
  line: z.number().int().min(1),
  action: z.enum(['create', 'update']),
  name: z.string().min(1).max(64),
  phone: z.string().min(1).max(32),
  skills: z.array(z.enum(SKILLS)).optional(),
  team: z.enum(TEAMS).optional(),
  role: z.enum(VOLUNTEER_ROLES).optional(),
  buildingIds: z.array(z.string().min(1).max(64)).optional(),
});
export const OrderPreview = OrderLineSchema.extend({
  line: z.number().int().min(1),
  buildingId: z.string().min(1).max(64),
  building: z.string().max(32),
  product: z.string().max(100),
});
export const CardPreview = z.object({
  action: z.enum(['create', 'update']),
  buildingId: z.string().min(1).max(64),
  building: z.string().max(32),
  title: z.string().min(1).max(200),
  households: z.number().int().min(0),
  quantity: z.number().int().min(0),
});
export type BuildingPreview = z.infer<typeof BuildingPreview>;
export type VolunteerPreview = z.infer<typeof VolunteerPreview>;
export type OrderPreview = z.infer<typeof OrderPreview>;
export type CardPreview = z.infer<typeof CardPreview>;

const ErrorSchema = z.object({
  line: z.number().int(), column: z.string().optional(), code: z.enum(IMPORT_ERRORS), value: z.string().optional(), message: z.string(),
});

export const ImportPreview = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('buildings'), rows: z.array(BuildingPreview).max(MAX_IMPORT_ROWS), errors: z.array(ErrorSchema) }),
  z.object({ kind: z.literal('volunteers'), rows: z.array(VolunteerPreview).max(MAX_IMPORT_ROWS), errors: z.array(ErrorSchema) }),
  z.object({
    kind: z.literal('groupbuy'), rows: z.array(OrderPreview).max(MAX_IMPORT_ROWS), errors: z.array(ErrorSchema),
    cards: z.array(CardPreview),
  }),
]);
export type ImportPreview = z.infer<typeof ImportPreview>;

type BoardData = Pick<Board, 'buildings' | 'volunteers' | 'tasks'>;

function error(line: number, code: ImportErrorCode, column?: string, value?: string): ImportError {
  const detail = value ? `：${value}` : '';
  return { line, code, ...(column ? { column } : {}), ...(value ? { value } : {}), message: `第 ${line} 行${column ? `「${column}」` : ''}${ERROR_TEXT[code]}${detail}` };
}

/**
 * Reads a sheet's rows (header included) into a preview of what an import would do, with every bad
 * row. `product` names a group buy whose file has no product column or title row (its file name).
 */
export function previewImport(kind: ImportKind, rows: string[][], board: BoardData, { product = '' } = {}): ImportPreview {
  const header = findHeader(kind, rows);
  const empty = kind === 'groupbuy' ? { kind, rows: [], cards: [] } : { kind, rows: [] };
  if (!header || header.columns.size === 0) return { ...empty, errors: [error(1, 'noHeader')] } as ImportPreview;
  const missing = (REQUIRED[kind] as string[][]).filter((alternatives) =>
    !alternatives.some((field) => header.columns.has(field as never)));
  if (missing.length > 0) {
    const names = missing.map((alternatives) => alternatives.map((field) => (COLUMNS[kind] as Record<string, readonly string[]>)[field]![0]).join('/'));
    return { ...empty, errors: [error(header.line, 'missingColumn', undefined, names.join('、'))] } as ImportPreview;
  }
  const data: { line: number; cells: Record<string, string> }[] = [];
  for (let r = header.line; r < rows.length; r++) {
    const row = rows[r] ?? [];
    const first = row.find((cell) => String(cell ?? '').trim() !== '');
    if (first === undefined || TOTALS_ROW.test(String(first).trim())) continue;
    const cells: Record<string, string> = {};
    for (const [field, { index }] of header.columns) cells[field as string] = String(row[index] ?? '');
    data.push({ line: r + 1, cells });
  }
  if (data.length > MAX_IMPORT_ROWS) {
    return { ...empty, errors: [error(header.line, 'tooMany', undefined, `${data.length} > ${MAX_IMPORT_ROWS}`)] } as ImportPreview;
  }
  const title = (field: string) => header.columns.get(field as never)?.title;
  const errors: ImportError[] = [];
  const parse = <S extends z.ZodType>(schema: S, line: number, cells: Record<string, string>): z.infer<S> | null => {
    const parsed = schema.safeParse(cells);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? '');
    const code = (IMPORT_ERRORS as readonly string[]).includes(issue.message) ? issue.message as ImportErrorCode : 'unknownValue';
    const value = 'input' in issue && typeof issue.input === 'string' ? issue.input : cells[field];
    errors.push(error(line, code, title(field), value?.trim() || undefined));
    return null;
  };
  const context: Context = { board, errors, title, parse };
  if (kind === 'buildings') return { kind, rows: buildingRows(data, context), errors };
  if (kind === 'volunteers') return { kind, rows: volunteerRows(data, context), errors };
  const orders = orderRows(data, context, titleRow(rows, header.line) || product.trim().slice(0, 60));
  return { kind, rows: orders, cards: deliveryCards(orders, board), errors };
}

interface Context {
  board: BoardData;
  errors: ImportError[];
  title(field: string): string | undefined;
  parse<S extends z.ZodType>(schema: S, line: number, cells: Record<string, string>): z.infer<S> | null;
}

function buildingIndex(board: BoardData): Map<string, WithId<Building>> {
  const out = new Map<string, WithId<Building>>();
  for (const building of board.buildings.values()) out.set(buildingKey(building.label), building);
  return out;
}

function buildingRows(data: { line: number; cells: Record<string, string> }[], c: Context): BuildingPreview[] {
  const existing = buildingIndex(c.board);
  const seen = new Map<string, number>();
  const out: BuildingPreview[] = [];
  for (const { line, cells } of data) {
    const row = c.parse(BuildingRow, line, cells);
    if (!row) continue;
    const key = buildingKey(row.label);
    if (seen.has(key)) {
      c.errors.push(error(line, 'duplicate', c.title('label'), `第 ${seen.get(key)} 行`));
      continue;
    }
    seen.set(key, line);
    const { label: _label, zone, area, ...counts } = row;
    out.push({
      line, action: existing.has(key) ? 'update' : 'create', label: existing.get(key)?.label ?? boardLabel(row.label),
      ...(area ? { area } : {}), ...definedOnly(counts), ...(zone ? { zone } : {}),
    });
  }
  return out;
}

function volunteerRows(data: { line: number; cells: Record<string, string> }[], c: Context): VolunteerPreview[] {
  const byPhone = new Map([...c.board.volunteers.values()].map((v) => [phoneKey(v.phone), v] as const).filter(([key]) => key));
  const buildings = buildingIndex(c.board);
  const seen = new Map<string, number>();
  const out: VolunteerPreview[] = [];
  for (const { line, cells } of data) {
    const row = c.parse(VolunteerRow, line, cells);
    if (!row) continue;
    const key = phoneKey(row.phone);
    if (seen.has(key)) {
      c.errors.push(error(line, 'duplicate', c.title('phone'), `第 ${seen.get(key)} 行`));
      continue;
    }
    seen.set(key, line);
    const unknown = row.buildings?.find((label) => !buildings.has(buildingKey(label)));
    if (unknown) {
      c.errors.push(error(line, 'unknownBuilding', c.title('buildings'), unknown));
      continue;
    }
    const { buildings: labels, name, phone, ...fields } = row;
    out.push({
      line, action: byPhone.has(key) ? 'update' : 'create', name, phone, ...definedOnly(fields),
      ...(labels && labels.length > 0 ? { buildingIds: labels.map((label) => buildings.get(buildingKey(label))!.id) } : {}),
    });
  }
  return out;
}

/** A title row above the header (群接龙 puts the sign-up's name there): the product when no column names one. */
function titleRow(rows: string[][], headerLine: number): string {
  for (let r = 0; r < headerLine - 1; r++) {
    const cell = (rows[r] ?? []).map((value) => String(value ?? '').trim()).find(Boolean);
    if (cell) return cell.replace(/^(接龙|团购)?(标题|名称)[:：]\s*/, '').slice(0, 60);
  }
  return '';
}

function orderRows(data: { line: number; cells: Record<string, string> }[], c: Context, sheetTitle: string): OrderPreview[] {
  const buildings = buildingIndex(c.board);
  const out: OrderPreview[] = [];
  for (const { line, cells } of data) {
    const row = c.parse(OrderRow, line, cells);
    if (!row) continue;
    let building = row.building ? buildings.get(buildingKey(row.building)) : undefined;
    let room = row.room ?? '';
    if ((!row.building || !room) && row.address) {
      // "上海市…88弄12号楼502室": the same reader as the quick-add line.
      const parsed = parseRequestLine(row.address, c.board.buildings.values());
      if (!row.building && parsed.buildingId) building = c.board.buildings.get(parsed.buildingId);
      room ||= parsed.room;
      if (!row.building && !parsed.buildingId && parsed.room) {
        c.errors.push(error(line, 'unknownBuilding', c.title('address'), row.address));
        continue;
      }
    }
    if ((!row.building && !building) || !room) {
      c.errors.push(error(line, 'address', c.title(row.address ? 'address' : row.building ? 'room' : 'building'), row.address || row.building || undefined));
      continue;
    }
    if (!building) {
      c.errors.push(error(line, 'unknownBuilding', c.title('building'), row.building));
      continue;
    }
    const product = row.product || sheetTitle || '团购';
    const quantity = row.quantity ?? 1;
    out.push({
      line, buildingId: building.id, building: building.label, room, name: row.name ?? '', phone: row.phone ?? '',
      product, items: `${product}${row.spec ? `（${row.spec}）` : ''}×${quantity}`.slice(0, 200), quantity,
    });
  }
  return out;
}

function definedOnly<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// ---------------------------------------------------------------- delivery cards

// One collator: localeCompare with a locale builds a new one per call (seconds for 5,000 orders).
const ROOM_ORDER = new Intl.Collator('zh-CN', { numeric: true });
const compareRoom = (a: string, b: string) => ROOM_ORDER.compare(a, b);

function productSummary(products: string[]): string {
  const names = products.map((p) => p.slice(0, 40));
  if (names.length <= 2) return names.join('、');
  return `${names[0]} 等 ${names.length} 种`;
}

interface CardPlan extends CardPreview {
  notes: string;
  orders: OrderLine[];
}

/** Orders grouped into one card per building: households, portions, the rooms in the notes. */
function planCards(orders: OrderPreview[], board: BoardData): CardPlan[] {
  const byBuilding = new Map<string, OrderPreview[]>();
  for (const order of orders) {
    const lines = byBuilding.get(order.buildingId);
    if (lines) lines.push(order);
    else byBuilding.set(order.buildingId, [order]);
  }
  const cards: CardPlan[] = [];
  for (const [buildingId, lines] of byBuilding) {
    lines.sort((a, b) => compareRoom(a.room, b.room) || a.line - b.line);
    const rooms = [...new Set(lines.map((o) => o.room))];
    const products = [...new Set(lines.map((o) => o.product))];
    const quantity = lines.reduce((sum, o) => sum + o.quantity, 0);
    const building = lines[0]!.building;
    const title = `团购配送：${productSummary(products)} · ${building} · ${rooms.length}户`.slice(0, 200);
    // Notes reach the volunteer who delivers: rooms and portions only, never names or phones.
    let notes = `${rooms.length}户 · 共${quantity}份\n房号：${rooms.join('、')}`;
    if (notes.length > 2000) notes = `${notes.slice(0, 1990)}…（详见配送单）`;
    const open = [...board.tasks.values()].find((t) => t.kind === 'supplyDelivery' && t.buildingId === buildingId
      && t.title === title && t.status !== 'done' && t.status !== 'cancelled');
    cards.push({
      action: open ? 'update' : 'create', buildingId, building, title, households: rooms.length, quantity, notes,
      orders: lines.map(({ room, name, phone, items, quantity: q }) => ({ room, name, phone, items, quantity: q })),
    });
  }
  return cards.sort((a, b) => compareRoom(a.building, b.building));
}

function deliveryCards(orders: OrderPreview[], board: BoardData): CardPreview[] {
  return planCards(orders, board).map(({ notes: _n, orders: _o, ...card }) => card);
}

// ---------------------------------------------------------------- apply

export interface Applied {
  created: number;
  updated: number;
}

/**
 * Writes a previewed import in one transaction, or nothing: refused when the preview has any
 * error, fails its schema, or no longer fits the board (a building removed meanwhile). What is
 * created or updated is decided again against the board as it is now.
 */
export function applyImport(doc: Y.Doc, raw: unknown, origin: Origin, now = Date.now()): Result<Applied> {
  const parsed = ImportPreview.safeParse(raw);
  if (!parsed.success) return fail('invalid', `preview: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const preview = parsed.data;
  if (preview.errors.length > 0) return fail('invalid', `${preview.errors.length} rows have errors; nothing was imported`);
  const board = readBoard(doc);
  const writes: (() => void)[] = [];
  let created = 0;
  let updated = 0;

  if (preview.kind === 'buildings') {
    const existing = buildingIndex(board);
    const fresh = preview.rows.filter((row) => !existing.has(buildingKey(row.label)));
    const ranks = nextRanks([...board.buildings.values()], fresh.length);
    for (const { line: _line, action: _action, ...row } of preview.rows) {
      const current = existing.get(buildingKey(row.label));
      if (current) {
        const { label: _label, ...patch } = row;
        const checked = BuildingSchema.safeParse({ ...current, ...patch });
        if (!checked.success) return fail('invalid', `${row.label}: ${checked.error.issues[0]?.message}`);
        writes.push(() => setFields(getRecord(doc, 'buildings', current.id)!, patch));
        updated++;
      } else {
        const building: Building = {
          area: '', floors: 0, households: 0, residents: 0, zone: 'normal', leadId: null, ...row, rank: ranks[created]!,
        };
        const checked = BuildingSchema.safeParse(building);
        if (!checked.success) return fail('invalid', `${row.label}: ${checked.error.issues[0]?.message}`);
        writes.push(() => insertRecord(doc, 'buildings', newId('b'), checked.data));
        created++;
      }
    }
  } else if (preview.kind === 'volunteers') {
    const byPhone = new Map([...board.volunteers.values()].map((v) => [phoneKey(v.phone), v] as const).filter(([key]) => key));
    const fresh = preview.rows.filter((row) => !byPhone.has(phoneKey(row.phone)));
    const ranks = nextRanks([...board.volunteers.values()], fresh.length);
    for (const { line: _line, action: _action, ...row } of preview.rows) {
      if (row.buildingIds?.some((id) => !board.buildings.has(id))) return fail('notFound', `${row.name}: building`);
      const current = byPhone.get(phoneKey(row.phone));
      if (current) {
        const { phone: _phone, ...patch } = row;
        const checked = VolunteerSchema.safeParse({ ...current, ...patch });
        if (!checked.success) return fail('invalid', `${row.name}: ${checked.error.issues[0]?.message}`);
        writes.push(() => setFields(getRecord(doc, 'volunteers', current.id)!, patch));
        updated++;
      } else {
        const volunteer: Volunteer = {
          team: 'floating', skills: [], buildingIds: [], role: 'floating', health: 'untested', onDuty: false,
          ...row, rank: ranks[created]!,
        };
        const checked = VolunteerSchema.safeParse(volunteer);
        if (!checked.success) return fail('invalid', `${row.name}: ${checked.error.issues[0]?.message}`);
        writes.push(() => insertRecord(doc, 'volunteers', newId('v'), checked.data));
        created++;
      }
    }
  } else {
    const missing = preview.rows.find((order) => !board.buildings.has(order.buildingId));
    if (missing) return fail('notFound', `building ${missing.building}`);
    const cards = planCards(preview.rows, board);
    const unassigned = [...board.tasks.values()]
      .filter((t) => t.slot.assigneeId === null && t.priority !== 'urgent')
      .map((t) => ({ id: t.id, rank: t.slot.rank }));
    const ranks = nextRanks(unassigned, cards.filter((card) => card.action === 'create').length);
    for (const card of cards) {
      const open = [...board.tasks.values()].find((t) => t.kind === 'supplyDelivery' && t.buildingId === card.buildingId
        && t.title === card.title && t.status !== 'done' && t.status !== 'cancelled');
      if (open) {
        const patch = { notes: card.notes, orders: card.orders, updatedAt: now };
        const checked = TaskSchema.safeParse({ ...open, ...patch });
        if (!checked.success) return fail('invalid', `${card.title}: ${checked.error.issues[0]?.message}`);
        writes.push(() => setFields(getRecord(doc, 'tasks', open.id)!, patch));
        updated++;
      } else {
        const task: Task = {
          title: card.title, kind: 'supplyDelivery', buildingId: card.buildingId, room: '', priority: 'normal',
          status: 'open', slot: { assigneeId: null, rank: ranks[created]! }, createdAt: now, updatedAt: now,
          notes: card.notes, orders: card.orders,
        };
        const checked = TaskSchema.safeParse(task);
        if (!checked.success) return fail('invalid', `${card.title}: ${checked.error.issues[0]?.message}`);
        writes.push(() => insertRecord(doc, 'tasks', newId('t'), checked.data));
        created++;
      }
    }
  }
  if (writes.length > 0) doc.transact(() => { for (const write of writes) write(); }, origin);
  return ok({ created, updated });
}

/** `count` ranks after the last of `items`. */
function nextRanks(items: Ranked[], count: number): string[] {
  if (count === 0) return [];
  const last = sortByRank(items.map(({ id, rank }) => ({ id, rank }))).at(-1)?.rank ?? null;
  try {
    return generateNKeysBetween(last, null, count);
  } catch {
    return generateNKeysBetween(null, null, count); // a malformed stored rank: start a fresh sequence
  }
}
