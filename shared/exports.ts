// What the lead's exports hold, as tables (header row first) with Chinese headers, for the server
// to write as CSV or XLSX. Requesters' contacts and group-buy orders stay out of the task export:
// these files get forwarded in WeChat groups.
import type { Board } from './doc.js';
import type { HoursRow } from './hours.js';
import { compareForDisplay, compareRank } from './lanes.js';
import type { OrderLine, Priority, TaskKind, TaskStatus } from './schema.js';

export type Cell = string | number;

const KIND: Record<TaskKind, string> = {
  callDown: '喊楼', doorSampling: '上门采样', antigenKits: '抗原发放', supplyDelivery: '物资配送', groupBuy: '团购',
  parcelRun: '快递', medicineRun: '配药', checkInCall: '电话关怀', escort: '陪同就医', garbageRound: '垃圾清运',
  disinfection: '消杀', translation: '翻译', request: '求助', other: '其他',
};
const STATUS: Record<TaskStatus, string> = {
  open: '待处理', assigned: '已分配', accepted: '已接单', inProgress: '进行中', done: '已完成', failed: '未完成',
  blocked: '受阻', cancelled: '已取消',
};
const PRIORITY: Record<Priority, string> = { urgent: '紧急', high: '高', normal: '普通', low: '低' };
export const TEAM_LABEL: Record<string, string> = {
  coordination: '协调', testing: '核酸', antigen: '抗原', groupBuy: '团购', supply: '物资', care: '关爱',
  garbage: '垃圾', disinfection: '消杀', translation: '翻译', gate: '门岗', floating: '机动',
};

/** "2026-11-22 21:05" in China Standard Time. */
export function localTime(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

export const TASK_HEADER = ['编号', '标题', '类型', '楼栋', '房号', '优先级', '状态', '负责志愿者', '创建时间', '更新时间', '备注'];

export function tasksTable(board: Pick<Board, 'tasks' | 'buildings' | 'volunteers'>): Cell[][] {
  const tasks = [...board.tasks.values()].sort((a, b) => a.createdAt - b.createdAt || compareForDisplay(a, b));
  return [TASK_HEADER, ...tasks.map((task) => [
    task.id, task.title, KIND[task.kind], task.buildingId ? board.buildings.get(task.buildingId)?.label ?? '' : '', task.room,
    PRIORITY[task.priority], STATUS[task.status],
    task.slot.assigneeId ? board.volunteers.get(task.slot.assigneeId)?.name ?? '' : '',
    localTime(task.createdAt), localTime(task.updatedAt), task.notes,
  ])];
}

export const HOURS_HEADER = ['周', '志愿者', '组别', '班次', '服务时长（小时）', '完成任务'];
export const TOTAL_LABEL = '合计';

/** One row per volunteer, then a totals row (hours summed as shown, so the file adds up). */
export function hoursTable(rows: HoursRow[], week: string): Cell[][] {
  const total = (pick: (row: HoursRow) => number) => Math.round(rows.reduce((sum, row) => sum + pick(row) * 100, 0)) / 100;
  return [
    HOURS_HEADER,
    ...rows.map((row) => [week, row.name, row.team ? TEAM_LABEL[row.team] ?? row.team : '', row.shifts, row.hours, row.tasksDone]),
    [week, TOTAL_LABEL, '', total((r) => r.shifts), total((r) => r.hours), total((r) => r.tasksDone)],
  ];
}

export interface SheetCard {
  id: string;
  title: string;
  status: TaskStatus;
  households: number;
  quantity: number;
  orders: OrderLine[];
}

export interface SheetBuilding {
  id: string;
  label: string;
  cards: SheetCard[];
}

/**
 * The printable delivery sheet (DOMAIN.md §3.6 step 6): per building, its open delivery cards
 * with each household's room, name, phone and items. Lead-only (phones; masked when printing).
 */
export function deliverySheet(board: Pick<Board, 'tasks' | 'buildings'>, buildingId: string | null): SheetBuilding[] {
  const out = new Map<string, SheetBuilding>();
  for (const building of [...board.buildings.values()].sort(compareRank)) {
    if (!buildingId || building.id === buildingId) out.set(building.id, { id: building.id, label: building.label, cards: [] });
  }
  const cards = [...board.tasks.values()]
    .filter((t) => t.kind === 'supplyDelivery' && t.status !== 'cancelled' && t.buildingId && out.has(t.buildingId))
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  for (const task of cards) {
    const orders = task.orders ?? [{ room: task.room, name: '', phone: task.contact ?? '', items: task.title, quantity: 1 }];
    out.get(task.buildingId!)!.cards.push({
      id: task.id, title: task.title, status: task.status, orders,
      households: new Set(orders.map((o) => o.room)).size, quantity: orders.reduce((sum, o) => sum + o.quantity, 0),
    });
  }
  return [...out.values()].filter((b) => b.cards.length > 0);
}
