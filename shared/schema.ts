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
});

export type Meta = z.infer<typeof MetaSchema>;
export type Building = z.infer<typeof BuildingSchema>;
export type Volunteer = z.infer<typeof VolunteerSchema>;
export type Slot = z.infer<typeof SlotSchema>;
export type Task = z.infer<typeof TaskSchema>;
export type Batch = z.infer<typeof BatchSchema>;
export type Queue = z.infer<typeof QueueSchema>;
export type Case = z.infer<typeof CaseSchema>;

export type WithId<T> = T & { id: string };
