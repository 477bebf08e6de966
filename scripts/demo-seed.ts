// The demo compound 梧桐苑 (DOMAIN.md §9) at mid-morning of a lockdown day: 30 buildings, 120
// volunteers, a PCR round half-way through, ~60 special-needs cases and the request queue.
// Everything is written through the shared mutation functions, so the demo obeys the same rules
// as the board. Deterministic: a fixed-seed PRNG and fixed ids, so two seeds of docs with the same
// clientID and `now` encode to the same bytes.
import type * as Y from 'yjs';
import type { z } from 'zod';
import { insertRecord, setMeta } from '../shared/doc.js';
import type { Result } from '../shared/errors.js';
import { rankAtEnd, type Ranked } from '../shared/lanes.js';
import {
  addBuilding, addVolunteer, createTask, editBuilding, setTaskStatus, type NewTask, type Origin,
} from '../shared/mutations.js';
import {
  CaseSchema, QueueSchema,
  type Batch, type BatchStatus, type Case, type Health, type Need, type Priority, type TaskKind,
  type TaskStatus, type Volunteer, type Zone,
} from '../shared/schema.js';

type Team = Volunteer['team'];
type Role = Volunteer['role'];
type Skill = Volunteer['skills'][number];
type Category = Case['category'];

const ORIGIN: Origin = { source: 'system', actor: 'seed' };
const SEED = 20220405;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const RESIDENTS_PER_HOUSEHOLD = 2.6;
const UNITS = ['一单元', '二单元'];

const SURNAMES = [...'张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕'];
const GIVEN_NAMES = [
  '明', '伟', '芳', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '超', '秀英',
  '建国', '建华', '国强', '桂英', '玉兰', '秀兰', '志强', '海燕', '晓东', '文华', '丽华', '红梅',
  '建平', '小红', '晓明', '佳怡', '子涵', '浩然', '欣怡', '宇航', '思远', '雨桐', '梓萱', '一鸣',
];
const ELDER_TITLES = ['阿姨', '伯伯', '老师', '师傅'];

/** Stops the seed at the first refused mutation: a seed that silently drops records is a bug. */
function must<T>(what: string, result: Result<T>): T {
  if (!result.ok) throw new Error(`demo seed: ${what}: ${result.code} ${result.message}`);
  return result.value;
}

/** Records written without a mutation function are checked here, so they cannot be skipped on read. */
function valid<T>(what: string, schema: z.ZodType<T>, value: T): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`demo seed: ${what}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** mulberry32, so the demo needs no Math.random. */
function makeRng(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)];
  return { next, int, pick };
}
type Rng = ReturnType<typeof makeRng>;

/** `total` split into `parts` near-equal whole numbers, larger ones first. */
function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

// ---------------------------------------------------------------- buildings

interface BuildingPlan {
  id: string;
  n: number;
  label: string;
  area: 'A' | 'B' | 'C';
  highRise: boolean;
  floors: number;
  households: number;
  residents: number;
  zone: Zone;
  leadId: string;
}

/** Areas A (1–12号) and B (13–24号) are six-storey walk-ups, C (25–30号) high-rises; 27号 is sealed. */
function planBuildings(): BuildingPlan[] {
  return Array.from({ length: 30 }, (_, i) => {
    const n = i + 1;
    const highRise = n > 24;
    const households = highRise ? 72 : 24;
    return {
      id: `b${pad(n, 2)}`, n, label: `${n}号`,
      area: n <= 12 ? 'A' : n <= 24 ? 'B' : 'C',
      highRise, floors: highRise ? 18 : 6, households,
      residents: Math.round(households * RESIDENTS_PER_HOUSEHOLD),
      zone: n === 27 ? 'sealed' : 'controlled',
      leadId: `v${pad(15 + n, 3)}`,
    };
  });
}

/** Four rooms a floor: x01–x04. In a walk-up x01–x02 are 一单元 and x03–x04 二单元. */
function rooms(building: BuildingPlan): string[] {
  const out: string[] = [];
  for (let floor = 1; floor <= building.floors; floor++) {
    for (let unit = 1; unit <= 4; unit++) out.push(`${floor}${pad(unit, 2)}`);
  }
  return out;
}

// ---------------------------------------------------------------- volunteers

interface VolunteerPlan {
  id: string;
  name: string;
  team: Team;
  role: Role;
  skills: Skill[];
  buildingIds: string[];
  health: Health;
  onDuty: boolean;
}

interface CoreSpec {
  team: Team;
  skills: Skill[];
  area?: 'A' | 'B' | 'C';
  onDuty: boolean;
  health?: Health;
}

/** Group leads, three area leads (包块), two 团长 leads. */
const CORE: CoreSpec[] = [
  { team: 'coordination', skills: ['it'], onDuty: true },
  { team: 'coordination', skills: [], area: 'A', onDuty: true },
  { team: 'coordination', skills: [], area: 'B', onDuty: true },
  { team: 'coordination', skills: ['driving'], area: 'C', onDuty: true },
  { team: 'coordination', skills: ['it', 'language'], onDuty: true },
  { team: 'testing', skills: ['medical'], onDuty: true },
  { team: 'testing', skills: ['it'], onDuty: true },
  { team: 'antigen', skills: ['it'], onDuty: false },
  { team: 'groupBuy', skills: ['it'], onDuty: true },
  { team: 'groupBuy', skills: ['driving'], onDuty: false },
  { team: 'supply', skills: ['driving', 'lifting'], onDuty: true },
  { team: 'care', skills: ['medical', 'psych'], onDuty: true },
  { team: 'garbage', skills: ['lifting'], onDuty: true },
  { team: 'disinfection', skills: [], onDuty: false },
  { team: 'gate', skills: [], onDuty: false, health: 'resting' },
];

interface GroupSpec {
  team: Team;
  role?: Role;
  size: number;
  /** Handed out in turn, so skills spread over the group instead of piling on its first member. */
  skills: Partial<Record<Skill, number>>;
  /** How many of the group's eligible members are on shift now. */
  onDuty: number;
  /** Today's health of the group's last members; the rest are eligible. */
  off: Health[];
}

const FLOATING: GroupSpec[] = [
  { team: 'testing', size: 18, skills: { medical: 6, it: 3, language: 1 }, onDuty: 12, off: ['resting', 'isolated'] },
  { team: 'supply', size: 20, skills: { driving: 4, lifting: 12 }, onDuty: 6, off: ['resting', 'untested', 'isolated'] },
  { team: 'care', size: 10, skills: { medical: 2, driving: 1, psych: 1, language: 1 }, onDuty: 4, off: ['sick', 'isolated'] },
  { team: 'garbage', size: 5, skills: { lifting: 3 }, onDuty: 1, off: [] },
  { team: 'disinfection', size: 5, skills: { lifting: 2 }, onDuty: 1, off: ['untested'] },
  { team: 'translation', size: 3, skills: { language: 3 }, onDuty: 1, off: [] },
  { team: 'groupBuy', role: 'groupBuyLeader', size: 6, skills: { it: 2 }, onDuty: 2, off: [] },
  { team: 'groupBuy', size: 8, skills: { lifting: 1 }, onDuty: 2, off: ['resting', 'untested'] },
];

/** Building leads who are off today: 14号's lives in a household with yesterday's abnormal tube. */
const LEAD_HEALTH: Record<number, Health> = { 5: 'sick', 9: 'resting', 14: 'isolated' };

function nameMaker(rng: Rng): (style: 'full' | 'elder') => string {
  const used = new Set<string>();
  return (style) => {
    for (;;) {
      const name = rng.pick(SURNAMES) + rng.pick(style === 'full' ? GIVEN_NAMES : ELDER_TITLES);
      if (!used.has(name)) {
        used.add(name);
        return name;
      }
    }
  };
}

function planVolunteers(buildings: BuildingPlan[], name: (style: 'full' | 'elder') => string): VolunteerPlan[] {
  const out: VolunteerPlan[] = [];
  const nextId = () => `v${pad(out.length + 1, 3)}`;
  for (const core of CORE) {
    out.push({
      id: nextId(), name: name('full'), team: core.team, role: 'core', skills: core.skills,
      buildingIds: core.area ? buildings.filter((b) => b.area === core.area).map((b) => b.id) : [],
      health: core.health ?? 'eligible', onDuty: core.onDuty,
    });
  }
  for (const building of buildings) {
    const health = LEAD_HEALTH[building.n] ?? 'eligible';
    out.push({
      id: nextId(), name: name('elder'), team: 'antigen', role: 'buildingLead', skills: [],
      buildingIds: [building.id], health,
      // Area A has been sampled; B's and C's leads are calling their buildings down.
      onDuty: health === 'eligible' && building.area !== 'A',
    });
  }
  for (const group of FLOATING) {
    const skills: Skill[][] = Array.from({ length: group.size }, () => []);
    let turn = 0;
    for (const [skill, count] of Object.entries(group.skills) as [Skill, number][]) {
      for (let i = 0; i < count; i++) skills[turn++ % group.size].push(skill);
    }
    const firstOff = group.size - group.off.length;
    for (let i = 0; i < group.size; i++) {
      out.push({
        id: nextId(), name: name('full'), team: group.team, role: group.role ?? 'floating',
        skills: skills[i], buildingIds: [],
        health: i < firstOff ? 'eligible' : group.off[i - firstOff],
        onDuty: i < Math.min(group.onDuty, firstOff),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------- special-needs cases

interface CaseSpec {
  category: Category;
  count: number;
  where: 'walkUp' | 'highRise' | 'any';
}

const CASE_SPECS: CaseSpec[] = [
  { category: 'elderlyAlone', count: 25, where: 'walkUp' },
  { category: 'chronicMeds', count: 12, where: 'any' },
  { category: 'dialysis', count: 3, where: 'any' },
  { category: 'chemo', count: 2, where: 'any' },
  { category: 'pregnant', count: 4, where: 'highRise' },
  { category: 'infant', count: 6, where: 'highRise' },
  { category: 'bedridden', count: 4, where: 'walkUp' },
  { category: 'mentalHealth', count: 2, where: 'any' },
  { category: 'foreign', count: 2, where: 'highRise' },
];

const MEDICINES = [
  '胰岛素', '降压药（氨氯地平）', '二甲双胍', '阿托伐他汀', '华法林', '左甲状腺素片',
  '硝苯地平控释片', '速效救心丸', '丙戊酸钠', '培哚普利', '格列美脲', '单硝酸异山梨酯',
];
const HOSPITALS = ['瑞金医院', '中山医院', '第六人民医院', '社区卫生服务中心'];
const FORMULAS = ['1段奶粉', '2段奶粉', '3段奶粉', '水解蛋白奶粉（牛奶蛋白过敏）', '早产儿奶粉', '2段奶粉 + 尿不湿'];
const FOREIGNERS = [
  { name: 'Sato 佐藤先生', notes: '日语；子女在东京，不会用健康云，核酸需代登记' },
  { name: 'Kim 金女士', notes: '韩语；会少量英语，独自在家' },
];
const RELATIONS: Partial<Record<Category, string[]>> = { infant: ['妈妈', '爸爸'], pregnant: ['丈夫'] };
const FAMILY = ['儿子', '女儿', '侄女', '外甥'];

interface CasePlan extends Case {
  id: string;
}

function planCases(
  buildings: BuildingPlan[], rng: Rng, name: (style: 'full' | 'elder') => string, now: number,
): CasePlan[] {
  const taken = new Set<string>();
  const day = (days: number, hour: number) => localTime(now, days, hour);
  const out: CasePlan[] = [];
  let phone = 0;
  for (const spec of CASE_SPECS) {
    const pool = buildings.filter((b) => spec.where === 'any' || b.highRise === (spec.where === 'highRise'));
    for (let i = 0; i < spec.count; i++) {
      let building: BuildingPlan;
      let room: string;
      do {
        building = rng.pick(pool);
        room = rng.pick(rooms(building));
      } while (taken.has(`${building.id}/${room}`));
      taken.add(`${building.id}/${room}`);
      phone++;
      const relation = rng.pick(RELATIONS[spec.category] ?? FAMILY);
      const contact = `${relation} ${name('full')} 137-0000-${pad(phone, 4)}`;
      const base: CasePlan = {
        id: `c${pad(out.length + 1, 2)}`, buildingId: building.id, room, name: name('full'), age: null,
        phone: `139-0000-${pad(phone, 4)}`, emergencyContact: contact, category: spec.category,
        livesAlone: false, hasSmartphone: true, volunteerId: building.leadId, nextDue: null, notes: '',
      };
      out.push({ ...base, ...caseDetails(spec.category, i, rng, day, base.name) });
    }
  }
  return out;
}

/** What each category records (DOMAIN.md §4.7): dates that must not slip go in nextDue. */
function caseDetails(
  category: Category, i: number, rng: Rng, day: (days: number, hour: number) => number, name: string,
): Partial<Case> {
  switch (category) {
    case 'elderlyAlone':
      return {
        age: rng.int(72, 91), livesAlone: true, hasSmartphone: i % 5 < 2,
        notes: i % 5 < 2 ? '每日电话问候' : '无智能手机，每日上门问候；核酸需代登记',
      };
    case 'chronicMeds': {
      const daysLeft = i % 8;
      return {
        age: rng.int(58, 82), livesAlone: i % 4 === 0, nextDue: day(daysLeft, 9),
        medicine: MEDICINES[i], medicineUntil: day(daysLeft, 9), hospital: HOSPITALS[i % HOSPITALS.length],
        notes: `${MEDICINES[i]}，剩 ${daysLeft} 天；${i % 2 ? '医保卡在家' : '医保卡、病历本已交志愿者'}`,
      };
    }
    case 'dialysis':
      return {
        age: rng.int(55, 76), nextDue: day(i, i === 0 ? 13 : 7), hospital: HOSPITALS[i % HOSPITALS.length],
        dialysisDays: i % 2 ? [2, 4, 6] : [1, 3, 5],
        notes: '每周一三五血透，需通行证 + 车辆；家属不能陪同',
      };
    case 'chemo':
      return { age: rng.int(45, 70), nextDue: day(4 + i * 3, 8), notes: '化疗周期中，需提前申请通行证' };
    case 'pregnant':
      return {
        age: rng.int(26, 36), nextDue: day(1 + i * 4, 9),
        notes: `孕 ${28 + i * 3} 周，产检医院已联系`,
      };
    case 'infant': {
      const months = 2 + i * 3;
      // A can lasts about five days.
      return {
        name: `${name.slice(0, 1)}家宝宝`, age: 0, notes: `${months} 个月，${FORMULAS[i]}，剩 ${i % 3 + 1} 罐`,
        formula: FORMULAS[i], formulaUntil: day((i % 3 + 1) * 5, 9),
      };
    }
    case 'bedridden':
      return { age: rng.int(78, 95), hasSmartphone: false, notes: '卧床，核酸需上门；老伴照顾' };
    case 'mentalHealth':
      return { age: rng.int(30, 60), livesAlone: i === 0, notes: '情绪低落，关爱组每日联系' };
    case 'foreign':
      return { ...FOREIGNERS[i], age: rng.int(68, 80), livesAlone: true };
  }
}

/** A local clock time `days` from `now`'s day, in ms. */
function localTime(now: number, days: number, hour: number): number {
  const date = new Date(now);
  date.setDate(date.getDate() + days);
  date.setHours(hour, 0, 0, 0);
  return date.getTime();
}

function localDate(now: number): string {
  const date = new Date(now);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1, 2)}-${pad(date.getDate(), 2)}`;
}

// ---------------------------------------------------------------- today's PCR round

/** People in a building not sampled in its batches: abnormal-tube households, the positive case. */
const NOT_IN_BATCHES: Record<number, number> = { 14: 8, 27: 3 };
/** Share of area B already sampled. */
const B_DONE = 0.6;
/** Property staff, cleaners and guards: not residents of any building, sampled first. */
const STAFF = 20;

/**
 * Calling order: staff, then A→B→C; a walk-up stairwell per batch, two floors of a high-rise
 * (~20 people). Mid-round: A done, B 60 % done, then one batch sampling, one called, one warned.
 */
// Three desks close a batch of about 20 every ~2.5 minutes: the display's measured pace.
const BATCH_EVERY_MS = 150_000;

function planRound(buildings: BuildingPlan[], bedridden: CasePlan[], rng: Rng, now: number): Record<string, Batch> {
  // The staff batch needs a buildingId (BatchSchema); 1号 is first in the calling order anyway.
  const drafts: Omit<Batch, 'tested' | 'status' | 'rank'>[] = [
    { buildingId: buildings[0].id, floors: '工作人员', expected: STAFF },
  ];
  for (const building of buildings) {
    const atHome = bedridden.filter((c) => c.buildingId === building.id).length;
    const away = building.highRise ? rng.int(8, 12) : rng.int(2, 5);
    const expected = building.residents - away - atHome - (NOT_IN_BATCHES[building.n] ?? 0);
    if (!building.highRise) {
      split(expected, 2).forEach((size, i) => {
        drafts.push({ buildingId: building.id, floors: `${UNITS[i]} 1-${building.floors}层`, expected: size });
      });
      continue;
    }
    split(expected, building.floors / 2).forEach((size, i) => {
      drafts.push({
        buildingId: building.id, floors: `${2 * i + 1}-${2 * i + 2}层`, expected: size,
        ...(building.zone === 'sealed' ? { doorToDoor: true } : {}),
      });
    });
  }
  const areaOf = new Map(buildings.map((b) => [b.id, b.area]));
  const inB = drafts.filter((d, i) => i > 0 && areaOf.get(d.buildingId) === 'B').length;
  const sampled = drafts.findIndex((d, i) => i > 0 && areaOf.get(d.buildingId) === 'B') + Math.round(inB * B_DONE);
  const next: BatchStatus[] = ['sampling', 'called', 'warned'];
  const batches: Record<string, Batch> = {};
  const ranked: Ranked[] = [];
  drafts.forEach((draft, i) => {
    const id = `q1-${pad(i, 3)}`;
    const rank = rankAtEnd(ranked);
    ranked.push({ id, rank });
    if (i < sampled) {
      const missing = rng.next() < 0.3 ? rng.int(1, 3) : 0;
      const doneAt = now - (sampled - i) * BATCH_EVERY_MS;
      batches[id] = {
        ...draft, tested: draft.expected - missing, status: missing > 0 ? 'partial' : 'done', rank,
        calledAt: doneAt - 2 * BATCH_EVERY_MS, doneAt,
      };
    } else {
      const status = next[i - sampled] ?? 'queued';
      const calledAt = status === 'sampling' ? now - BATCH_EVERY_MS : status === 'called' ? now : null;
      batches[id] = { ...draft, tested: status === 'sampling' ? Math.round(draft.expected * 0.4) : 0, status, rank, calledAt, doneAt: null };
    }
  });
  return batches;
}

// ---------------------------------------------------------------- seed

/** Fills an empty doc with 梧桐苑 as it looks at `now`. Throws if any mutation is refused. */
export function seedDemo(doc: Y.Doc, now = Date.now()): void {
  const rng = makeRng(SEED);
  const name = nameMaker(rng);
  const buildings = planBuildings();
  const volunteers = planVolunteers(buildings, name);
  const cases = planCases(buildings, rng, name, now);
  const byId = new Map(buildings.map((b) => [b.id, b]));
  const batches = planRound(buildings, cases.filter((c) => c.category === 'bedridden'), rng, now);
  const called = Object.values(batches).find((b) => b.status === 'called')!;

  doc.transact(() => {
    setMeta(doc, { name: '梧桐苑', address: '上海某区某路 88 弄', zone: 'sealed' });
    for (const { id, label, area, floors, households, residents, zone } of buildings) {
      must(`building ${id}`, addBuilding(doc, { id, label, area, floors, households, residents, zone }, ORIGIN));
    }
    volunteers.forEach((v, i) => {
      const phone = `138-0000-${pad(i + 1, 4)}`;
      must(`volunteer ${v.id}`, addVolunteer(doc, { ...v, phone }, ORIGIN));
    });
    for (const b of buildings) must(`lead of ${b.id}`, editBuilding(doc, b.id, { leadId: b.leadId }, ORIGIN));
    for (const { id, ...value } of cases) insertRecord(doc, 'cases', id, valid(`case ${id}`, CaseSchema, value));

    const date = new Date(now);
    insertRecord(doc, 'queues', 'q1', valid('queue q1', QueueSchema, {
      name: `${date.getMonth() + 1}月${date.getDate()}日 全员核酸`, kind: 'pcr', date: localDate(now),
      status: 'sampling', window: '07:00–14:00', desks: 3, poolSize: 10, batches,
    }));

    seedTasks(doc, now, rng, { buildings: byId, volunteers, cases, called });
  }, ORIGIN);
}

interface Plans {
  buildings: Map<string, BuildingPlan>;
  volunteers: VolunteerPlan[];
  cases: CasePlan[];
  /** The batch being called down right now. */
  called: Batch;
}

interface TaskSpec {
  title: string;
  kind: TaskKind;
  priority: Priority;
  buildingId?: string | null;
  room?: string;
  need?: Need;
  contact?: string;
  notes?: string;
  dueAt?: number | null;
  /** The team whose next on-duty member gets the card, a volunteer id, or null = Unassigned. */
  to?: Team | { id: string } | null;
  status?: TaskStatus;
  minutesAgo: number;
}

function seedTasks(doc: Y.Doc, now: number, rng: Rng, plans: Plans): void {
  const label = (c: { buildingId: string | null; room: string }) =>
    `${plans.buildings.get(c.buildingId ?? '')?.label ?? ''}楼${c.room}`;
  const of = (category: Category) => plans.cases.filter((c) => c.category === category);
  const caseTask = (c: CasePlan) => ({
    buildingId: c.buildingId, room: c.room, contact: `${c.category === 'infant' ? '家长' : c.name} ${c.phone}`,
  });

  const turns = new Map<Team, number>();
  /** Rotates through a team's floating members on shift (leads keep their own building's work). */
  const nextOnDuty = (team: Team): string => {
    const crew = plans.volunteers.filter((v) => v.team === team && v.onDuty && v.role !== 'core');
    const turn = turns.get(team) ?? 0;
    turns.set(team, turn + 1);
    return crew[turn % crew.length].id;
  };

  let counter = 0;
  const add = (spec: TaskSpec): void => {
    const { to = null, status, minutesAgo, ...fields } = spec;
    const id = `t${pad(++counter, 3)}`;
    const assigneeId = to === null ? null : typeof to === 'string' ? nextOnDuty(to) : to.id;
    const input: NewTask = { id, ...fields, assigneeId };
    must(`task ${id}`, createTask(doc, input, ORIGIN, now - minutesAgo * MINUTE_MS));
    if (status && status !== 'open' && status !== 'assigned') {
      const at = now - rng.int(0, minutesAgo - 1) * MINUTE_MS;
      must(`task ${id} → ${status}`, setTaskStatus(doc, id, status, ORIGIN, at));
    }
  };
  const phone = (n: number) => `136-0000-${pad(n, 4)}`;
  // Requests from households not in the registry, one household each.
  const taken = new Set(plans.cases.map((c) => `${c.buildingId}/${c.room}`));
  const somewhere = (pool: BuildingPlan[]) => {
    for (;;) {
      const building = rng.pick(pool);
      const room = rng.pick(rooms(building));
      if (taken.has(`${building.id}/${room}`)) continue;
      taken.add(`${building.id}/${room}`);
      return { buildingId: building.id, room, label: building.label };
    }
  };
  const all = [...plans.buildings.values()];

  // Medicine runs for the chronic cases running out first (DOMAIN.md §3.8).
  const meds = of('chronicMeds').sort((a, b) => (a.nextDue ?? 0) - (b.nextDue ?? 0)).slice(0, 10);
  const medStates: [Team | null, TaskStatus][] = [
    ['care', 'inProgress'], ['care', 'accepted'], ['care', 'assigned'], ['care', 'assigned'],
  ];
  meds.forEach((c, i) => {
    const [to, status] = medStates[i] ?? [null, 'open'];
    const medicine = c.notes.split('，')[0];
    add({
      title: `${label(c)} 需要${medicine}`, kind: 'medicineRun', need: 'medicine', ...caseTask(c),
      priority: (c.nextDue ?? 0) <= localTime(now, 1, 9) ? 'high' : 'normal', notes: c.notes,
      to, status, minutesAgo: rng.int(20, 300),
    });
  });

  // The three urgent medical requests: never left to expire.
  const dialysis = of('dialysis')[0];
  add({
    title: `${label(dialysis)} 血透送医（今天下午）`, kind: 'escort', need: 'urgentMedical', priority: 'urgent',
    ...caseTask(dialysis), dueAt: dialysis.nextDue, notes: '需通行证 + 车辆，12:30 楼下出发',
    to: { id: plans.volunteers.find((v) => v.team === 'care' && v.onDuty && v.skills.includes('driving'))!.id },
    status: 'accepted', minutesAgo: 95,
  });
  const pregnant = of('pregnant')[0];
  add({
    title: `${label(pregnant)} 孕妇明早产检 需通行证和车辆`, kind: 'escort', need: 'urgentMedical',
    priority: 'urgent', ...caseTask(pregnant), dueAt: pregnant.nextDue, notes: pregnant.notes,
    to: 'care', minutesAgo: 140,
  });
  const feverish = of('elderlyAlone')[0];
  add({
    title: `${label(feverish)} 独居老人发烧 38.9℃`, kind: 'request', need: 'urgentMedical', priority: 'urgent',
    ...caseTask(feverish), notes: '邻居电话反映；先抗原，必要时联系街道 120', minutesAgo: 8,
  });

  of('infant').slice(0, 5).forEach((c, i) => {
    add({
      title: `${label(c)} 宝宝奶粉快没了`, kind: 'request', need: 'infantFormula', priority: 'high',
      ...caseTask(c), notes: c.notes, to: i === 0 ? 'supply' : null, minutesAgo: rng.int(30, 360),
    });
  });

  const parcels = ['快递显示已签收但没收到', '生鲜快递在门口放了两天', '药品快递（急）还在快递架上',
    '两个快递被拿错了', '外卖放在门岗没人送', '问快递架上有没有一箱水果'];
  parcels.forEach((text, i) => {
    const at = somewhere(all);
    add({
      title: `${at.label}楼${at.room} ${text}`, kind: 'request', need: 'parcel', buildingId: at.buildingId,
      room: at.room, priority: text.includes('药') ? 'high' : 'normal', contact: phone(i + 1),
      to: i === 0 ? 'supply' : null, status: i === 0 ? 'inProgress' : 'open', minutesAgo: rng.int(15, 300),
    });
  });

  for (let i = 0; i < 4; i++) {
    const at = somewhere(all);
    add({
      title: `${at.label}楼${at.room} 门口垃圾没收`, kind: 'request', need: 'garbage', buildingId: at.buildingId,
      room: at.room, priority: 'normal', contact: phone(10 + i), to: i === 0 ? 'garbage' : null,
      minutesAgo: rng.int(30, 240),
    });
  }

  for (const c of of('foreign')) {
    add({
      title: `${label(c)} 外籍老人 需翻译核酸和团购通知`, kind: 'translation', need: 'translation', priority: 'normal',
      ...caseTask(c), notes: c.notes, to: c === of('foreign')[0] ? 'translation' : null,
      status: c === of('foreign')[0] ? 'accepted' : 'open', minutesAgo: rng.int(40, 300),
    });
  }
  const english = somewhere(all.filter((b) => b.highRise));
  add({
    title: `${english.label}楼${english.room} 外籍住户（英语）咨询团购下单`, kind: 'translation', need: 'translation',
    buildingId: english.buildingId, room: english.room, priority: 'low', contact: phone(20), minutesAgo: rng.int(20, 200),
  });

  const questions: [string, Need, Priority][] = [
    ['投诉：团购鸡蛋少了一盒', 'other', 'normal'],
    ['询问几点轮到下楼核酸', 'testing', 'normal'],
    ['询问什么时候解封', 'other', 'low'],
    ['投诉楼道有人聚集聊天', 'other', 'normal'],
  ];
  questions.forEach(([text, need, priority], i) => {
    const at = somewhere(all);
    add({
      title: `${at.label}楼${at.room} ${text}`, kind: 'request', need, buildingId: at.buildingId, room: at.room,
      priority, contact: phone(30 + i), to: i === 0 ? 'groupBuy' : null, minutesAgo: rng.int(10, 180),
    });
  });

  // Requests already handled this morning.
  const doneMeds = of('chronicMeds').find((c) => !meds.includes(c))!;
  add({
    title: `${label(doneMeds)} 需要${doneMeds.notes.split('，')[0]}`, kind: 'medicineRun', need: 'medicine',
    priority: 'normal', ...caseTask(doneMeds), notes: doneMeds.notes, to: 'care', status: 'done', minutesAgo: 420,
  });
  for (const [text, need, team] of [['快递送错楼', 'parcel', 'supply'], ['门口垃圾没收', 'garbage', 'garbage']] as const) {
    const at = somewhere(all);
    add({
      title: `${at.label}楼${at.room} ${text}`, kind: 'request', need, buildingId: at.buildingId, room: at.room,
      priority: 'normal', contact: phone(40), to: team, status: 'done', minutesAgo: rng.int(240, 400),
    });
  }

  seedOperations(add, plans, now, label, of);
}

type Add = (spec: TaskSpec) => void;

/** The day's own work: door sampling, the sealed building, supplies, group buys, call-down. */
function seedOperations(
  add: Add, plans: Plans, now: number,
  label: (c: { buildingId: string | null; room: string }) => string,
  of: (category: Category) => CasePlan[],
): void {
  const sampler = plans.volunteers.find((v) => v.team === 'testing' && v.onDuty && v.skills.includes('medical'))!;
  const roundEnd = localTime(now, 0, 14);
  for (const room of ['302', '402', '501']) {
    add({
      title: `14号楼${room} 上门单采（混管异常）`, kind: 'doorSampling', buildingId: 'b14', room, priority: 'high',
      notes: '昨日 10混1 混管异常，全户居家等待单管采样', to: { id: sampler.id }, minutesAgo: 300,
    });
  }
  add({
    title: '卧床老人上门采样（4 户）', kind: 'doorSampling', priority: 'normal', dueAt: roundEnd,
    notes: of('bedridden').map(label).join('、'), minutesAgo: 240,
  });
  add({
    title: '27号楼1502 阳性待转运 — 跟进街道', kind: 'other', buildingId: 'b27', room: '1502', priority: 'high',
    notes: '前天阳性，街道已报，转运车辆未定', to: { id: 'v004' }, status: 'blocked', minutesAgo: 600,
  });
  add({
    title: '27号 封控楼 垃圾上门收集', kind: 'garbageRound', buildingId: 'b27', priority: 'normal',
    dueAt: localTime(now, 0, 20), to: 'garbage', minutesAgo: 180,
  });
  add({
    title: '27号 楼道电梯消杀（下午）', kind: 'disinfection', buildingId: 'b27', priority: 'normal',
    to: 'disinfection', minutesAgo: 170,
  });
  add({
    title: '蔬菜包补送 6 户未送达', kind: 'supplyDelivery', priority: 'high',
    notes: '前天政府蔬菜包 1,008 份，余 6 户未送达（含 27号 2 户，送到楼门口）', to: 'supply', minutesAgo: 200,
  });
  add({ title: '快递架约 220 件 第 3 趟送楼', kind: 'parcelRun', priority: 'normal', to: 'supply', status: 'inProgress', minutesAgo: 50 });

  const groupBuys: [string, TaskStatus, boolean][] = [
    ['牛奶团 180 单 分拣到楼', 'inProgress', true],
    ['鸡蛋团 240 单 分拣到楼', 'assigned', true],
    ['面包团 90 单 分拣到楼', 'open', false],
    ['猪肉团 60 单 未成团 退款核对', 'done', true],
    ['尿不湿/奶粉团 35 单 分拣到楼', 'open', false],
  ];
  for (const [title, status, assigned] of groupBuys) {
    add({ title, kind: 'groupBuy', priority: 'normal', to: assigned ? 'groupBuy' : null, status, minutesAgo: 150 });
  }
  add({
    title: '昨日抗原 2 户未发照片 追踪', kind: 'checkInCall', priority: 'normal',
    notes: '昨日抗原 97% 户已发照片，无异常', minutesAgo: 360,
  });
  const calledBuilding = plans.buildings.get(plans.called.buildingId)!;
  add({
    title: `喊楼：${calledBuilding.label} ${plans.called.floors} 下楼核酸`, kind: 'callDown',
    buildingId: calledBuilding.id, priority: 'high', to: { id: calledBuilding.leadId }, status: 'inProgress',
    minutesAgo: 6,
  });
}
