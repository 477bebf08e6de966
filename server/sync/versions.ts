// Whole-board versions to restore from (#7). Retention: a version is taken when a board loads
// and then at most once an hour while it changes; versions older than 7 days are deleted, except
// the newest, so a board always has one. A failed write is logged and tried at the next change:
// versions are a safety net, the update log is the truth.
import * as Y from 'yjs';
import type { Store } from '../store/store.js';

export const VERSION_EVERY_MS = 60 * 60 * 1000;
export const VERSION_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** Keeps the board as it is now (a lead's "keep this version" before a big reshuffle). */
export function saveVersionNow(doc: Y.Doc, boardId: string, store: Pick<Store, 'saveVersion'>, at = new Date()): Promise<number> {
  return store.saveVersion(boardId, Y.encodeStateAsUpdate(doc), at, new Date(at.getTime() - VERSION_RETENTION_MS));
}

export function keepVersions(
  doc: Y.Doc, boardId: string, store: Pick<Store, 'saveVersion' | 'listVersions'>,
  log: (message: string, error?: unknown) => void,
): () => void {
  let lastAt = Number.POSITIVE_INFINITY; // nothing is taken until the newest stored one is known
  let writing = false;

  const take = () => {
    const at = new Date();
    lastAt = at.getTime();
    writing = true;
    // Encoded now: the version is the board as it is at this moment, whenever the write lands.
    saveVersionNow(doc, boardId, store, at)
      .catch((error) => {
        lastAt = 0;
        log(`board ${boardId}: version not kept`, error);
      })
      .finally(() => { writing = false; });
  };
  const onUpdate = (_update: Uint8Array, origin: unknown) => {
    const source = (origin as { source?: unknown } | null)?.source;
    if (source === 'load' || source === 'relay' || writing || Date.now() - lastAt < VERSION_EVERY_MS) return;
    take();
  };

  // On load: the board as it was before today's first change, unless a recent version exists.
  const atLoad = Y.encodeStateAsUpdate(doc);
  const loadedAt = new Date();
  writing = true;
  store.listVersions(boardId)
    .then(async (versions) => {
      const newest = versions[0]?.at.getTime() ?? 0;
      if (loadedAt.getTime() - newest < VERSION_EVERY_MS) {
        lastAt = newest;
        return;
      }
      lastAt = loadedAt.getTime();
      await store.saveVersion(boardId, atLoad, loadedAt, new Date(loadedAt.getTime() - VERSION_RETENTION_MS));
    })
    .catch((error) => {
      lastAt = 0;
      log(`board ${boardId}: version not kept`, error);
    })
    .finally(() => { writing = false; });
  doc.on('update', onUpdate);
  return () => doc.off('update', onUpdate);
}
