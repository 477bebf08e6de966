// The board document's records as zod schemas. DESIGN.md "The document" is the contract;
// docs/document.md describes every field. Records are read from the Y.Doc with safeParse:
// a record that fails is skipped and reported, never guessed at.
import { z } from 'zod';

export const ZONES = ['sealed', 'controlled', 'precaution', 'normal'] as const;
export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;
export const TASK_STATUSES = [
  'open', 'assigned', 'accepted', 'inProgress', 'done', 'failed', 'blocked', 'cancelled',
] as const;
export const HEALTH_STATES = [
  'eligible', 'untested', 'ineligible', 'isolated', 'sick', 'resting', 'left',
] as const;
export const BATCH_STATUSES = ['queued', 'warned', 'called', 'sampling', 'done', 'partial'] as const;
export const QUEUE_KINDS = ['pcr', 'antigen'] as const;
export const QUEUE_STATUSES = ['planned', 'sampling', 'sweeping', 'closed'] as const;
export const TASK_KINDS = [
  'callDown', 'doorSampling', 'antigenKits', 'supplyDelivery', 'groupBuy', 'parcelRun',
  'medicineRun', 'checkInCall', 'escort', 'garbageRound', 'disinfection', 'translation',
  'request', 'other',
] as const;
/** What a resident asks for on the request form (DOMAIN.md §4.4). */
export const NEEDS = [
  'medicine', 'urgentMedical', 'food', 'infantFormula', 'parcel', 'testing', 'garbage',
  'translation', 'psych', 'other',
] as const;
/** p0 life-critical, p1 today, p2 within 48 h (DOMAIN.md §4.4). */
export const URGENCIES = ['p0', 'p1', 'p2'] as const;
export const VOLUNTEER_ROLES = ['core', 'buildingLead', 'floating', 'groupBuyLeader'] as const;
export const TEAMS = [
  'coordination', 'testing', 'antigen', 'groupBuy', 'supply', 'care', 'garbage',
  'disinfection', 'translation', 'gate', 'floating',
] as const;
export const SKILLS = ['medical', 'driving', 'lifting', 'it', 'language', 'psych'] as const;
export const CASE_CATEGORIES = [
  'elderlyAlone', 'chronicMeds', 'dialysis', 'chemo', 'pregnant', 'infant', 'bedridden',
  'mentalHealth', 'foreign',
] as const;
/** What a registered resident needs done for them (DOMAIN.md §4.7). */
export const CASE_NEEDS = ['doorSampling', 'grocery', 'medicine', 'escort'] as const;
/** `auto` (or unset): daily when living alone, elderly alone or in mental-health care. */
export const CHECK_IN_CADENCES = ['auto', 'daily', 'none'] as const;

export type Zone = (typeof ZONES)[number];
export type Priority = (typeof PRIORITIES)[number];
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type Health = (typeof HEALTH_STATES)[number];
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export type TaskKind = (typeof TASK_KINDS)[number];
export type Need = (typeof NEEDS)[number];
export type Urgency = (typeof URGENCIES)[number];

const id = z.string().min(1).max(64);
const text = (max: number) => z.string().max(max);
const count = z.number().int().min(0).max(1_000_000);
const rank = z.string().min(1).max(256);
const timestamp = z.number().int().min(0);

export const MetaSchema = z.object({
  name: text(100).min(1),
  address: text(200),
  zone: z.enum(ZONES),
});

export const BuildingSchema = z.object({
  label: text(32).min(1),
  area: text(32),
  floors: count,
  households: count,
  residents: count,
  zone: z.enum(ZONES),
  leadId: id.nullable(),
  rank,
});

export const VolunteerSchema = z.object({
  name: text(64).min(1),
  phone: text(32),
  team: z.enum(TEAMS),
  skills: z.array(z.enum(SKILLS)).max(SKILLS.length),
  buildingIds: z.array(id).max(200),
  role: z.enum(VOLUNTEER_ROLES),
  health: z.enum(HEALTH_STATES),
  onDuty: z.boolean(),
  rank,
});

/** A card's place: which lane (a volunteer, or null = Unassigned) and its order inside it. */
export const SlotSchema = z.object({ assigneeId: id.nullable(), rank });

/** One household's group-buy order on a delivery card (from an import). Personal: lead board only. */
export const OrderLineSchema = z.object({
  room: text(16),
  name: text(64),
  phone: text(32),
  items: text(200),
  quantity: count,
});

export const TaskSchema = z.object({
  title: text(200).min(1),
  kind: z.enum(TASK_KINDS),
  buildingId: id.nullable(),
  room: text(16),
  priority: z.enum(PRIORITIES),
  status: z.enum(TASK_STATUSES),
  slot: SlotSchema,
  createdAt: timestamp,
  updatedAt: timestamp,
  notes: text(2000),
  // Optional fields: requests from residents carry a need and the requester's contact.
  need: z.enum(NEEDS).optional(),
  contact: text(64).optional(),
  dueAt: timestamp.nullable().optional(),
  /** The special-needs case a recurring card was generated for (lead board only). */
  caseId: id.optional(),
  /** Delivery cards from a group-buy import: the households' orders (never in projections). */
  orders: z.array(OrderLineSchema).max(2000).optional(),
});

export const BatchSchema = z.object({
  buildingId: id,
  floors: text(32),
  expected: count,
  tested: count,
  status: z.enum(BATCH_STATUSES),
  rank,
  doorToDoor: z.boolean().optional(),
  /** When the batch was called down and when it closed: the round's measured pace. */
  calledAt: timestamp.nullable().optional(),
  doneAt: timestamp.nullable().optional(),
});

export const QueueSchema = z.object({
  name: text(100).min(1),
  kind: z.enum(QUEUE_KINDS),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  status: z.enum(QUEUE_STATUSES),
  window: text(32).optional(),
  desks: count.optional(),
  poolSize: count.optional(),
  batches: z.record(id, BatchSchema),
});

/** Special-needs registry entry (DOMAIN.md §4.7). Personal data: lead board only. */
export const CaseSchema = z.object({
  buildingId: id.nullable(),
  room: text(16),
  name: text(64).min(1),
  age: count.nullable(),
  phone: text(32),
  emergencyContact: text(64),
  category: z.enum(CASE_CATEGORIES),
  livesAlone: z.boolean(),
  hasSmartphone: z.boolean(),
  volunteerId: id.nullable(),
  nextDue: timestamp.nullable(),
  notes: text(2000),
  // Optional (older documents lack them); shared/cases.ts turns the dates into recurring cards.
  /** Medicine name and dose, the day the supply runs out, and where it comes from. */
  medicine: text(200).optional(),
  medicineUntil: timestamp.nullable().optional(),
  hospital: text(100).optional(),
  /** Infant formula brand and stage, and the day it runs out. */
  formula: text(100).optional(),
  formulaUntil: timestamp.nullable().optional(),
  /** Weekdays of dialysis sessions (0 = Sunday); nextDue may name a one-off date. */
  dialysisDays: z.array(z.number().int().min(0).max(6)).max(7).optional(),
  needs: z.array(z.enum(CASE_NEEDS)).max(CASE_NEEDS.length).optional(),
  checkIn: z.enum(CHECK_IN_CADENCES).optional(),
  /** 医保卡 held by the volunteer; whether they can fetch their own meals. */
  insuranceCardHeld: z.boolean().optional(),
  canFetchMeals: z.boolean().optional(),
  /** A closed case keeps its history and generates no cards. */
  closed: z.boolean().optional(),
  closedAt: timestamp.nullable().optional(),
});

/** A volunteer sign-up from the /j/ link, waiting for a lead (DOMAIN.md §3.10). Personal: lead board only. */
export const APPLICANT_STATUSES = ['pending', 'held', 'approved', 'rejected'] as const;
/** When an applicant can come: the whole day, or parts of it ("night": midnight deliveries, rounds at 23:00). */
export const AVAILABILITY = ['allDay', 'morning', 'afternoon', 'evening', 'night'] as const;

export const ApplicantSchema = z.object({
  name: text(64).min(1),
  phone: text(32),
  buildingId: id,
  room: text(16),
  skills: z.array(z.enum(SKILLS)).max(SKILLS.length),
  availability: z.array(z.enum(AVAILABILITY)).max(AVAILABILITY.length),
  note: text(500),
  status: z.enum(APPLICANT_STATUSES),
  createdAt: timestamp,
  updatedAt: timestamp,
  decidedAt: timestamp.nullable(),
  /** The volunteer record an approval created (or linked, when one with this phone existed). */
  volunteerId: id.nullable(),
  /** A volunteer already on the board with the same phone, seen when the sign-up arrived. */
  duplicateOf: id.nullable().optional(),
});

export type Meta = z.infer<typeof MetaSchema>;
export type Building = z.infer<typeof BuildingSchema>;
export type Volunteer = z.infer<typeof VolunteerSchema>;
export type Slot = z.infer<typeof SlotSchema>;
export type Task = z.infer<typeof TaskSchema>;
export type Batch = z.infer<typeof BatchSchema>;
export type Queue = z.infer<typeof QueueSchema>;
export type Case = z.infer<typeof CaseSchema>;
export type OrderLine = z.infer<typeof OrderLineSchema>;
export type Applicant = z.infer<typeof ApplicantSchema>;
export type ApplicantStatus = (typeof APPLICANT_STATUSES)[number];
export type Availability = (typeof AVAILABILITY)[number];

export type WithId<T> = T & { id: string };
