// Links are bearer tokens: random, shown once, stored only as a SHA-256 hash.
import { createHash, randomBytes } from 'node:crypto';
import { linkId, type Role, type Store, type TokenRow } from './store/store.js';

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
  /** Who the link was issued to, if the admin named it. */
  name: string | null;
  /** The token's hash: which live connections a revocation cuts off (never sent anywhere). */
  hash: string;
}

/** A link changed (revoked, demoted, renamed): its live connections must be checked again. */
export type TokenListener = (hash: string) => void;

/** How often every process asks the database which links changed: within the 5 s DESIGN.md promises. */
const WATCH_MS = 1_500;
/** Rows whose changed_at is older than the last answer's clock but committed after it (a slow transaction). */
const WATCH_OVERLAP_MS = 10_000;

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,64}$/;
// New connections of a revoked link are refused at once in the process that revoked it and
// within WATCH_MS everywhere else (the watcher drops changed links from the cache).
const CACHE_MS = 30_000;

/** Resolves tokens to principals, with a short cache so reconnect storms do not hit the database. */
export class Tokens {
  private readonly cache = new Map<string, { at: number; row: TokenRow | null }>();
  private readonly listeners = new Set<TokenListener>();
  private readonly seen = new Map<string, number>();
  private since: Date | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(private readonly store: Store, private readonly log: (message: string, error?: unknown) => void = () => {}) {}

  /** Calls `listener` with the hash of every link revoked or changed, by this process or another. */
  onChange(listener: TokenListener): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), WATCH_MS);
      this.timer.unref();
    }
    return () => this.listeners.delete(listener);
  }

  /** This process changed a link: forget it and tell the listeners now, not at the next poll. */
  changed(hash: string): void {
    this.cache.delete(hash);
    for (const listener of this.listeners) listener(hash);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      // The first answer only sets the clock (links changed before this process watched are
      // not live here); later ones overlap the previous, so a slow commit is not missed.
      const since = this.since ? new Date(this.since.getTime() - WATCH_OVERLAP_MS) : null;
      const { changes, now } = await this.store.changedTokens(since);
      this.since = now;
      for (const [key, at] of this.seen) if (since && at < since.getTime()) this.seen.delete(key);
      for (const { hash, at } of changes) {
        const key = `${hash}@${at.getTime()}`;
        if (this.seen.has(key)) continue;
        this.seen.set(key, at.getTime());
        this.changed(hash);
      }
    } catch (error) {
      this.log('tokens: could not check for revoked links', error);
    } finally {
      this.polling = false;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  async resolve(token: string | null | undefined): Promise<Principal | null> {
    if (!token || !TOKEN_SHAPE.test(token)) return null;
    return this.resolveHash(hashToken(token));
  }

  /** The principal of a link by its token's hash (a live connection's link, checked again). */
  async resolveHash(hash: string): Promise<Principal | null> {
    const now = Date.now();
    let hit = this.cache.get(hash);
    if (!hit || now - hit.at > CACHE_MS) {
      hit = { at: now, row: await this.store.findToken(hash) };
      this.cache.set(hash, hit);
      if (this.cache.size > 10_000) this.evict(now);
    }
    if (!hit.row) return null;
    const { boardId, role, volunteerId, name } = hit.row;
    return { boardId, role, volunteerId, actor: linkId(hash), name: name ?? null, hash };
  }

  private evict(now: number): void {
    for (const [hash, entry] of this.cache) if (now - entry.at > CACHE_MS) this.cache.delete(hash);
  }
}
