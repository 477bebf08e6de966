// The lead board's copy of the sign-ups, kept up to date incrementally: a surge of 800 arrives one
// by one, and each arrival re-parses only itself, not the whole list.
import type * as Y from 'yjs';
import { applicantMap, readApplicant } from '../../shared/doc.js';
import type { Applicant, WithId } from '../../shared/schema.js';

export class ApplicantReader {
  private dirty: Set<string> | 'all' = 'all';

  constructor(private readonly doc: Y.Doc, onChange: () => void) {
    applicantMap(doc).observeDeep((events) => {
      if (this.dirty !== 'all') {
        for (const event of events) {
          if (event.path.length > 0) this.dirty.add(String(event.path[0]));
          else for (const key of (event as Y.YMapEvent<unknown>).keysChanged) this.dirty.add(key);
        }
      }
      onChange();
    });
  }

  /** `current` with what changed since the last call read again, or `current` itself if nothing did. */
  read(current: Map<string, WithId<Applicant>>): Map<string, WithId<Applicant>> {
    const dirty = this.dirty;
    if (dirty !== 'all' && dirty.size === 0) return current;
    this.dirty = new Set();
    const next = dirty === 'all' ? new Map<string, WithId<Applicant>>() : new Map(current);
    for (const id of dirty === 'all' ? applicantMap(this.doc).keys() : dirty) {
      const result = readApplicant(this.doc, id);
      if (result.ok) next.set(id, result.value);
      else next.delete(id);
    }
    return next;
  }
}
