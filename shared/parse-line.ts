// Reads a request as residents and building leads write it in WeChat — "3号楼502 需要胰岛素",
// "12-1502 奶粉快没了", "27号 1804室 发烧" — into building, room and need for a draft card.
import type { Building, Need, TaskKind, WithId } from './schema.js';

export interface ParsedLine {
  buildingId: string | null;
  room: string;
  need: Need | null;
  kind: TaskKind;
  urgent: boolean;
  title: string;
}

const NEED_WORDS: [Need, RegExp][] = [
  ['urgentMedical', /透析|化疗|急诊|120|救护|产检|孕|狂犬|胸痛|昏迷|呼吸困难/],
  ['medicine', /药|胰岛素|降压|处方|配药|医保卡/],
  ['infantFormula', /奶粉|尿不湿|纸尿裤|婴儿|宝宝/],
  ['food', /菜|米|面|粮|吃的|食物|断粮|鸡蛋|牛奶/],
  ['parcel', /快递|包裹|外卖/],
  ['testing', /核酸|抗原|采样/],
  ['garbage', /垃圾/],
  ['translation', /翻译|外籍|英语|日语|韩语|english/i],
  ['psych', /心理|焦虑|抑郁|情绪|想不开/],
];
const KIND: Record<Need, TaskKind> = {
  medicine: 'medicineRun', urgentMedical: 'escort', food: 'supplyDelivery', infantFormula: 'supplyDelivery',
  parcel: 'parcelRun', testing: 'doorSampling', garbage: 'garbageRound', translation: 'translation', psych: 'checkInCall',
  other: 'request',
};
const URGENT = /急|马上|立刻|发烧|发热|昏|血|救|快没了|今天必须/;

/** "3号楼502", "3号502", "3-502", "3栋502室", "27号 1804" → building number and room. */
const ADDRESS = /(\d{1,3})\s*(?:号楼|号|栋|幢|-|－|—)\s*(\d{3,4})\s*室?/;

export function parseRequestLine(line: string, buildings: Iterable<WithId<Building>>): ParsedLine {
  const text = line.trim().replace(/\s+/g, ' ');
  const match = text.match(ADDRESS);
  let buildingId: string | null = null;
  if (match) {
    const number = match[1]!;
    for (const b of buildings) if (b.label.replace(/号楼?$|栋$|幢$/, '') === number) buildingId = b.id;
  }
  const need = NEED_WORDS.find(([, words]) => words.test(text))?.[0] ?? null;
  return {
    buildingId,
    room: match?.[2] ?? '',
    need,
    kind: need ? KIND[need] : 'request',
    urgent: need === 'urgentMedical' || URGENT.test(text),
    title: text.slice(0, 200),
  };
}
