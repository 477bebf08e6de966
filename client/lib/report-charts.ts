// The daily report's numbers shaped for the bar charts: labels through t(), fixed colours per
// status group so a printed page reads the same as the screen.
import type { DailyReport } from '../../shared/report.js';
import type { TaskStatus } from '../../shared/schema.js';
import { HEALTH_STATES } from '../../shared/schema.js';
import { t } from './i18n.svelte.js';

export interface Segment { key: string; value: number; color: string }
/** `text` replaces the total at the bar's end (e.g. "112/120 · 93%"). */
export interface BarRow { key: string; label: string; segments: Segment[]; text?: string }
export interface LegendItem { key: string; label: string; color: string }

const GROUPS = [
  { key: 'waiting', color: '#e03131', statuses: ['open'] },
  { key: 'working', color: '#f59f00', statuses: ['assigned', 'accepted', 'inProgress'] },
  { key: 'stuck', color: '#862e9c', statuses: ['blocked', 'failed'] },
  { key: 'done', color: '#2f9e44', statuses: ['done'] },
  { key: 'cancelled', color: '#adb5bd', statuses: ['cancelled'] },
] as const satisfies readonly { key: string; color: string; statuses: readonly TaskStatus[] }[];

export function statusLegend(): LegendItem[] {
  return GROUPS.map((g) => ({ key: g.key, label: t(`rep.group.${g.key}`), color: g.color }));
}

export function needRows(report: DailyReport): BarRow[] {
  return report.requests.byNeed.map((row) => ({
    key: row.need,
    label: t(`need.${row.need}`),
    segments: GROUPS.map((g) => ({ key: g.key, color: g.color, value: g.statuses.reduce((sum, s) => sum + row.byStatus[s], 0) })),
  }));
}

export function coverageRows(report: DailyReport): BarRow[] {
  return report.testing.buildings.map((b) => ({
    key: b.id,
    label: b.label,
    segments: [
      { key: 'tested', value: b.tested, color: '#2f9e44' },
      { key: 'missing', value: Math.max(0, b.expected - b.tested), color: '#dee2e6' },
    ],
    text: `${b.tested}/${b.expected}${b.expected ? ` · ${Math.round((100 * b.tested) / b.expected)}%` : ''}`,
  }));
}

export function coverageLegend(): LegendItem[] {
  return [{ key: 'tested', label: t('rep.tested'), color: '#2f9e44' }, { key: 'missing', label: t('rep.missing'), color: '#dee2e6' }];
}

const HEALTH_COLORS: Record<string, string> = {
  eligible: '#2f9e44', untested: '#f59f00', ineligible: '#e8590c', isolated: '#e03131', sick: '#c2255c', resting: '#868e96', left: '#ced4da',
};

export function healthRows(report: DailyReport): BarRow[] {
  return HEALTH_STATES.filter((h) => report.volunteers.byHealth[h] > 0).map((h) => ({
    key: h, label: t(`health.${h}`), segments: [{ key: h, value: report.volunteers.byHealth[h], color: HEALTH_COLORS[h]! }],
  }));
}

export function caseRows(report: DailyReport): BarRow[] {
  return Object.entries(report.cases.byCategory).filter(([, n]) => n > 0).map(([category, n]) => ({
    key: category, label: t(`case.category.${category}` as 'case.category.infant'), segments: [{ key: 'open', value: n, color: '#1971c2' }],
  }));
}

/** "42 分钟" / "2 小时 5 分", or "—" when nothing was done. */
export function duration(ms: number | null): string {
  if (ms === null) return t('rep.none');
  const minutes = Math.round(ms / 60_000);
  return minutes < 60 ? t('rep.minutes', { m: minutes }) : t('rep.hours', { h: Math.floor(minutes / 60), m: minutes % 60 });
}
