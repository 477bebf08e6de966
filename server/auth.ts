// Links are bearer tokens: random, shown once, stored only as a SHA-256 hash.
import { createHash, randomBytes } from 'node:crypto';
import type { Role, Store, TokenRow } from './store/store.js';

export function newToken(): string {
  return randomBytes(18).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface Principal {
  boardId: string;
  role: Role;
  volunteerId: string | null;
  /** Stable, non-secret id of the link, for attributing changes. */
  actor: string;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,64}$/;
// Short enough that a revoked link is cut off within the 5 s DESIGN.md promises.
const CACHE_MS = 3_000;

/** Resolves tokens to principals, with a short cache so reconnect storms do not hit the database. */
export class Tokens {
  private readonly cache = new Map<string, { at: number; row: TokenRow | null }>();

  constructor(private readonly store: Store) {}

  async resolve(token: string | null | undefined): Promise<Principal | null> {
    if (!token || !TOKEN_SHAPE.test(token)) return null;
    const hash = hashToken(token);
    const now = Date.now();
    let hit = this.cache.get(hash);
    if (!hit || now - hit.at > CACHE_MS) {
      hit = { at: now, row: await this.store.findToken(hash) };
      this.cache.set(hash, hit);
      if (this.cache.size > 10_000) this.evict(now);
    }
    if (!hit.row) return null;
    return { boardId: hit.row.boardId, role: hit.row.role, volunteerId: hit.row.volunteerId, actor: hash.slice(0, 12) };
  }

  private evict(now: number): void {
    for (const [hash, entry] of this.cache) if (now - entry.at > CACHE_MS) this.cache.delete(hash);
  }
}
