import { describe, expect, it } from 'vitest';
import { parseRequestLine } from '../../shared/parse-line.js';
import type { Building, WithId } from '../../shared/schema.js';

const b = (id: string, label: string): WithId<Building> => ({
  id, label, area: 'A', floors: 6, households: 24, residents: 60, zone: 'normal', leadId: null, rank: 'a0',
});
const buildings = [b('b3', '3号'), b('b12', '12号'), b('b27', '27号')];

describe('parsing a WeChat request line', () => {
  it.each([
    ['3号楼502 需要胰岛素', 'b3', '502', 'medicine', 'medicineRun', false],
    ['12-1502 宝宝奶粉快没了', 'b12', '1502', 'infantFormula', 'supplyDelivery', true],
    ['27号 1804室 老人发烧38.9', 'b27', '1804', null, 'request', true],
    ['3栋 201 明天要去透析，需要车', 'b3', '201', 'urgentMedical', 'escort', true],
    ['12号502 快递两天没拿到', 'b12', '502', 'parcel', 'parcelRun', false],
    ['99号 101 垃圾没人收', null, '101', 'garbage', 'garbageRound', false],
    ['请问明天几点做核酸', null, '', 'testing', 'doorSampling', false],
  ])('%s', (line, buildingId, room, need, kind, urgent) => {
    expect(parseRequestLine(line, buildings)).toMatchObject({ buildingId, room, need, kind, urgent, title: line });
  });
});
