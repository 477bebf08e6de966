// A board's history and versions over REST (lead token), and one history entry as a line of text.
import {
  HistoryAnswer, RestoreAnswer, VersionsAnswer, type HistoryEntry, type RestoreResult, type Version,
} from '../../shared/history.js';
import { t } from './i18n.svelte.js';
import { zh, type Messages } from './messages/zh.js';

export type Failure = { error: string };

export class HistoryClient {
  constructor(private readonly boardId: string, private readonly token: string) {}

  private async call<T>(path: string, parse: (body: unknown) => T, method = 'GET'): Promise<T | Failure> {
    try {
      const res = await fetch(`/api/boards/${encodeURIComponent(this.boardId)}${path}`, {
        method, headers: { authorization: `Bearer ${this.token}` },
      });
      const body: unknown = await res.json();
      if (!res.ok) return { error: (body as { error?: { code?: string } })?.error?.code ?? 'internal' };
      return parse(body);
    } catch {
      return { error: 'offline' };
    }
  }

  /** Newest first; `record` = "tasks/ID" for one card, absent for the whole board. */
  entries(record?: string, before?: number, limit = 50): Promise<HistoryEntry[] | Failure> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (record) query.set('record', record);
    if (before) query.set('before', String(before));
    return this.call(`/history?${query}`, (body) => HistoryAnswer.parse(body).entries);
  }

  versions(): Promise<Version[] | Failure> {
    return this.call('/versions', (body) => VersionsAnswer.parse(body).versions);
  }

  keepVersion(): Promise<{ id: number } | Failure> {
    return this.call('/versions', (body) => body as { id: number }, 'POST');
  }

  restore(versionId: number): Promise<RestoreResult | Failure> {
    return this.call(`/versions/${versionId}/restore`, (body) => RestoreAnswer.parse(body), 'POST');
  }
}

export const failed = (value: unknown): value is Failure => typeof value === 'object' && value !== null && 'error' in value;

/** A message key that may not exist (built from stored data): the fallback when it does not. */
function maybe(key: string, fallback: string): string {
  return has(key) ? t(key) : fallback;
}

const has = (key: string): key is keyof Messages => Object.hasOwn(zh, key);

function actorName(entry: HistoryEntry): string {
  if (entry.source === 'system' || entry.source === 'intake' || entry.source === 'signup') return t(`hist.actor.${entry.source}`);
  return entry.actorName;
}

export function timeOf(iso: string): string {
  const at = new Date(iso);
  const sameDay = at.toDateString() === new Date().toDateString();
  const hm = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  return sameDay ? hm : `${at.getMonth() + 1}/${at.getDate()} ${hm}`;
}

/** "王阿姨 把任务移给 李明": the line of an entry (without its time). */
export function describe(entry: HistoryEntry): string {
  const actor = actorName(entry);
  const d = entry.detail;
  const to = d.to === null || d.to === undefined ? '' : String(d.to);
  const building = typeof d.buildingLabel === 'string' ? d.buildingLabel : '';
  let line: string;
  switch (entry.action) {
    case 'created': line = entry.map === 'tasks' ? t('hist.created.tasks', { actor }) : t('hist.created', { actor }); break;
    case 'assigned': case 'moved': line = t(`hist.${entry.action}`, { actor, to: entry.toName ?? to }); break;
    case 'lead': line = entry.toName ? t('hist.lead', { actor, to: entry.toName }) : t('hist.lead.none', { actor }); break;
    case 'status': line = t('hist.status', { actor, to: maybe(`status.${to}`, to) }); break;
    case 'priority': line = t('hist.priority', { actor, to: maybe(`priority.${to}`, to) }); break;
    case 'health': line = t('hist.health', { actor, to: maybe(`health.${to}`, to) }); break;
    case 'title': line = t('hist.title.changed', { actor, to }); break;
    case 'onDuty': line = t(d.to ? 'hist.onDuty.on' : 'hist.onDuty.off', { actor }); break;
    case 'edited': {
      const fields = Array.isArray(d.fields) ? d.fields.map((f) => maybe(`hist.field.${f}`, String(f))) : [];
      line = t('hist.edited', { actor, fields: fields.join('、') });
      break;
    }
    case 'batchStatus': line = t('hist.batchStatus', { actor, building, to: maybe(`batch.${to}`, to) }); break;
    case 'batchTested': case 'batchAdded': case 'batchRemoved': case 'batchEdited': case 'batchReordered':
      line = t(`hist.${entry.action}`, { actor, building, to });
      break;
    case 'restored': line = t('hist.restored', { actor, time: typeof d.versionAt === 'string' ? timeOf(d.versionAt) : '' }); break;
    default:
      line = has(`hist.${entry.action}`) ? t(`hist.${entry.action}` as 'hist.deleted', { actor }) : t('hist.other', { actor, action: entry.action });
  }
  return d.restore !== undefined ? line + t('hist.viaRestore') : line;
}
