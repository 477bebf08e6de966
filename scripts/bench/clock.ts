/**
 * Milliseconds on CLOCK_MONOTONIC. Unlike performance.now(), whose origin is per thread, this one
 * clock is shared by the bench's threads and the server process, so their timestamps compare.
 */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
