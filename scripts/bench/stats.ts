// Percentiles and the Markdown the bench prints and writes.

/** Nearest-rank percentile of unsorted samples; NaN when there are none. */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function max(samples: ArrayLike<number>): number {
  let out = -Infinity;
  for (let i = 0; i < samples.length; i++) out = Math.max(out, samples[i]!);
  return samples.length === 0 ? NaN : out;
}

/** A number for a table cell: '–' for NaN, fewer decimals as it grows. */
export function fmt(value: number, decimals = 1): string {
  if (!Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  return value.toFixed(decimals);
}

export const mib = (bytes: number): string => fmt(bytes / 2 ** 20, 1);
export const kib = (bytes: number): string => fmt(bytes / 2 ** 10, 1);

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
