// The whole machine's CPU, from /proc/stat, to tell when something besides the bench was running.
import { readFileSync } from 'node:fs';

/** Linux reports /proc/stat in USER_HZ ticks, 100 per second. */
const TICK_MS = 10;

/** CPU time since boot over all cores, in milliseconds: busy, and in total. */
export function machineCpuMs(): { busy: number; total: number } {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = ticks[3]! + ticks[4]!; // idle + iowait
  return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
}

/** The machine's idle share (0–1) over the next `ms`. */
export async function idleShare(ms: number): Promise<number> {
  const a = machineCpuMs();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = machineCpuMs();
  return 1 - (b.busy - a.busy) / Math.max(1, b.total - a.total);
}
