// The registry's recurring cards (shared/cases.ts) are made by the server too, so a check-in
// call or a medicine run appears in its volunteer's lane even when no lead has the board open:
// once when a board loads, then every few minutes while it stays loaded (a new day, a supply
// date coming into range). Card ids come from their keys, so the server, other server processes
// and leads' browsers generating the same card write one record.
import type * as Y from 'yjs';
import { generateDueCards } from '../../shared/cases.js';
import type { Board } from '../../shared/doc.js';
import type { Origin } from '../../shared/mutations.js';

export const CASE_CARDS_EVERY_MS = 5 * 60_000;
/**
 * Cards made per event-loop turn: each placement scans the lanes, ~7 ms on a 5,000-card board,
 * so a morning's 30 check-in calls do not hold up the leads' updates for a third of a second.
 */
const CARDS_PER_TURN = 8;
const ORIGIN: Origin = { source: 'system', actor: 'rule:case-cards' };

/** Generates now and every CASE_CARDS_EVERY_MS until the doc is destroyed (or the returned stop). */
export function scheduleCaseCards(doc: Y.Doc, read: () => Board, log: (message: string, error?: unknown) => void): () => void {
  let stopped = false;
  const run = () => {
    if (stopped) return;
    try {
      const made = generateDueCards(doc, Date.now(), ORIGIN, read(), CARDS_PER_TURN);
      if (made.length === CARDS_PER_TURN) setImmediate(run);
    } catch (error) {
      log('case cards: generation failed', error);
    }
  };
  run();
  const timer = setInterval(run, CASE_CARDS_EVERY_MS);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  doc.once('destroy', stop);
  return stop;
}
