import { randomBytes } from 'node:crypto';
import type { Clock } from '../../domain/clock.ts';
import { open, seal, type SecretCodec } from '../../domain/accounts/secret-box.ts';
import { decide, RUNNING_LEASE_MS } from '../../domain/accounts/idempotency.ts';
import type { Storage } from '../../storage/database.ts';
import { deleteExpiredKeys, findKey, insertKeyClaim, releaseKey, storeKeyAnswer, takeOverKey, type KeyClaim } from '../../storage/accounts/idempotency.repository.ts';

/** The request that owns a key while it runs. */
export interface OwnedKey {
  client_id: number;
  key: string;
  token: string;
}

export interface StoredAnswer {
  status: number;
  contentType: string | null;
  body: string;
}

/** What a request carrying a key gets. */
export type KeyOutcome =
  /** the first with this key (or the key was free again): process it, then `complete` or `release` */
  | { kind: 'proceed'; owned: OwnedKey }
  /** a repeat of an answered request: give this answer again */
  | { kind: 'replay'; answer: StoredAnswer }
  /** the key was used for another request (`route` is what it was first used on) */
  | { kind: 'mismatch'; route: string }
  /** the first request with this key still runs */
  | { kind: 'running' };

/**
 * Idempotency keys per account (issue #21): who processes a request sent with an `Idempotency-Key`, and what a repeat
 * gets. The claim is one insert against the unique (account, key), so of any number of racing requests exactly one
 * proceeds, on every API process. The answer is stored after the handler ran (answers of 5xx release the key); a
 * process that dies in between leaves a `running` row whose lease ends after RUNNING_LEASE_MS. Stored answers are
 * sealed with the server key when there is one (an answer may hold a secret shown once, such as a new API key).
 */
export class IdempotencyKeys {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly opts: { ttlSeconds: number; secrets?: SecretCodec },
  ) {}

  async begin(req: { clientId: number; key: string; fingerprint: string; route: string }): Promise<KeyOutcome> {
    // A row can change between the read and the write (answered, expired and purged, taken over): read it again.
    for (let attempt = 0; ; attempt++) {
      const now = this.clock.now();
      const claim: KeyClaim = {
        client_id: req.clientId,
        key: req.key,
        fingerprint: req.fingerprint,
        route: req.route,
        token: randomBytes(12).toString('base64url'),
        created_at: now.toISOString(),
        lease_until: new Date(now.getTime() + RUNNING_LEASE_MS).toISOString(),
        expires_at: new Date(now.getTime() + this.opts.ttlSeconds * 1000).toISOString(),
      };
      const owned = { client_id: claim.client_id, key: claim.key, token: claim.token };
      if (await this.storage.tx((tx) => insertKeyClaim(tx, claim))) return { kind: 'proceed', owned };
      const row = await findKey(this.storage.db, req.clientId, req.key);
      if (!row) continue;
      const decision = decide({ ...row, state: row.state === 'done' ? 'done' : 'running' }, req.fingerprint, claim.created_at);
      if (decision === 'replay') return { kind: 'replay', answer: { status: Number(row.status), contentType: row.content_type, body: this.opened(row.body ?? '') } };
      if (decision === 'mismatch') return { kind: 'mismatch', route: row.route };
      if (decision === 'running') return { kind: 'running' };
      if (await this.storage.tx((tx) => takeOverKey(tx, row.token, claim))) return { kind: 'proceed', owned };
      // Someone else took it over first: what they hold decides (running, most likely). Bounded: each round trip saw a change.
      if (attempt >= 5) return { kind: 'running' };
    }
  }

  /** Stores the answer repeats get; false when the claim was lost meanwhile (its lease ended and another took the key). */
  complete(owned: OwnedKey, answer: StoredAnswer): Promise<boolean> {
    const key = this.opts.secrets?.key();
    const body = key ? seal(key, answer.body) : answer.body;
    return this.storage.tx((tx) => storeKeyAnswer(tx, owned, { status: answer.status, content_type: answer.contentType, body }));
  }

  /** A stored body in clear (not cached: replays are rare, bodies may be large). */
  private opened(stored: string): string {
    return open(this.opts.secrets?.key() ?? null, stored);
  }

  /** Gives the key back: the next request with it is processed anew. */
  release(owned: OwnedKey): Promise<void> {
    return this.storage.tx((tx) => releaseKey(tx, owned));
  }

  /** Deletes the expired keys (the worker's sweep); answers how many. */
  purgeExpired(now: Date = this.clock.now()): Promise<number> {
    return this.storage.tx((tx) => deleteExpiredKeys(tx, now.toISOString()));
  }
}
