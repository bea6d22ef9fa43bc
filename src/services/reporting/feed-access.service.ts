import { BlockList, isIPv4 } from 'node:net';
import type { Clock } from '../../domain/clock.ts';
import { checkNonce, digestResponse, makeNonce, parseDigestHeader, safeEqualHex, type DigestAlgorithm } from '../../domain/accounts/digest-auth.ts';
import { ThrottledError } from '../../domain/accounts/auth-throttle.ts';
import type { Storage } from '../../storage/database.ts';
import * as feeds from '../../storage/reporting/feed.repository.ts';
import { acceptNonceCount, deleteExpiredNonces } from '../../storage/accounts/digest-nonce.repository.ts';
import type { CredentialGuard } from '../accounts/credential-guard.ts';
import { FEED_REALM } from './feed.service.ts';

const NONCE_MAX_AGE_MS = 5 * 60_000;

export type FeedAccess =
  | { ok: true; feed: feeds.FeedRow }
  | { ok: false; code: 'not_found' | 'unauthorized' | 'forbidden' | 'rate_limited'; detail: string; challenges?: string[]; retryAfterSeconds?: number };

function parseAllow(list: string[]): BlockList {
  const bl = new BlockList();
  for (const entry of list) {
    const [addr, bits] = entry.split('/');
    const type = isIPv4(addr) ? 'ipv4' : 'ipv6';
    if (bits === undefined) bl.addAddress(addr, type);
    else bl.addSubnet(addr, Number(bits), type);
  }
  return bl;
}

/** Who may read a feed: its IP allow-list, then HTTP Basic or Digest (RFC 7616), under the failed-auth throttle. */
export class FeedAccessService {
  private nextNoncePruneMs = 0;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    /** The failed-auth throttle and password checks shared with the user APIs (AccountService.guard). */
    private readonly guard: CredentialGuard,
  ) {}

  private challenges(f: feeds.FeedRow, stale = false): string[] {
    if (f.auth === 'basic') return [`Basic realm="${FEED_REALM}", charset="UTF-8"`];
    const nonce = makeNonce(f.nonce_secret, this.clock.now().getTime());
    const extra = stale ? ', stale=true' : '';
    return (['SHA-256', 'MD5'] as const).map((alg) => `Digest realm="${FEED_REALM}", qop="auth", algorithm=${alg}, nonce="${nonce}", opaque="${f.id}"${extra}`);
  }

  /**
   * Decides whether a request may read a feed: IP allow-list first, then Basic or Digest. Wrong credentials count
   * against the feed and the client's address in the failed-auth throttle; over a limit, every attempt answers
   * rate_limited before any check. A Digest (nonce, cnonce, nc) is accepted once across all API processes.
   */
  async authorize(feedId: string, req: { ip: string; method: string; url: string; authorization?: string }): Promise<FeedAccess> {
    const f = /^feed_[0-9a-z]{22}$/.test(feedId) ? await feeds.findFeed(this.storage.db, feedId) : undefined;
    if (!f) return { ok: false, code: 'not_found', detail: `feed ${feedId} does not exist` };
    const allow = JSON.parse(f.allow_cidrs) as string[];
    if (allow.length) {
      const ip = req.ip.startsWith('::ffff:') ? req.ip.slice(7) : req.ip;
      if (!parseAllow(allow).check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6')) return { ok: false, code: 'forbidden', detail: `${ip} is not on this feed's allow-list` };
    }
    if (f.auth === 'ip') return { ok: true, feed: f };
    try {
      return await this.checkCredentials(f, req);
    } catch (err) {
      if (err instanceof ThrottledError) return { ok: false, code: 'rate_limited', detail: err.message, retryAfterSeconds: err.retryAfterSeconds };
      throw err;
    }
  }

  private async checkCredentials(f: feeds.FeedRow, req: { ip: string; method: string; url: string; authorization?: string }): Promise<FeedAccess> {
    const guard = this.guard;
    const subject = { user: `feed:${f.id}`, address: req.ip };
    const auth = req.authorization ?? '';
    if (f.auth === 'basic') {
      const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth);
      const decoded = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
      const i = decoded.indexOf(':');
      if (i > 0) {
        const user = decoded.slice(0, i);
        // Another user name costs the same KDF run (against the dummy hash) as a wrong password.
        const ok = await guard.checkPassword(subject, `feed:${f.id}:${user}`, decoded.slice(i + 1), user === f.username ? f.password_hash : null, async () => true);
        if (ok) return { ok: true, feed: f };
      }
      return { ok: false, code: 'unauthorized', detail: 'this feed needs its HTTP Basic username and password', challenges: this.challenges(f) };
    }
    const d = parseDigestHeader(auth);
    const fail = (detail: string, stale = false): FeedAccess => ({ ok: false, code: 'unauthorized', detail, challenges: this.challenges(f, stale) });
    // A request without an answer is the first step of every Digest exchange: it gets its challenge and counts nothing.
    if (!d) return fail('this feed needs HTTP Digest authentication (RFC 7616, qop=auth)');
    await guard.check(subject);
    const alg = (d.algorithm ?? 'MD5').toUpperCase() as DigestAlgorithm;
    if (alg !== 'MD5' && alg !== 'SHA-256') return fail(`algorithm ${d.algorithm} is not supported; use SHA-256 or MD5`);
    if (d.qop !== 'auth' || !d.nc || !/^[0-9a-fA-F]{8}$/.test(d.nc) || !d.cnonce || d.cnonce.length > 256 || !d.nonce || !d.response) {
      return fail('the Digest answer must carry qop=auth, nc (8 hex digits), cnonce (at most 256 characters), nonce and response');
    }
    if (d.uri !== req.url) return fail('the Digest uri does not match the request');
    if (d.username !== f.username || d.realm !== FEED_REALM) {
      await guard.failed(subject);
      return fail('wrong username or password');
    }
    const now = this.clock.now().getTime();
    const nonceState = checkNonce(f.nonce_secret, d.nonce, now, NONCE_MAX_AGE_MS);
    if (nonceState === 'bad') {
      await guard.failed(subject);
      return fail('unknown nonce');
    }
    const expected = digestResponse(alg, (alg === 'MD5' ? f.digest_ha1_md5 : f.digest_ha1_sha256)!, { nonce: d.nonce, nc: d.nc, cnonce: d.cnonce, method: req.method, uri: d.uri });
    if (!safeEqualHex(expected, d.response.toLowerCase())) {
      await guard.failed(subject);
      return fail('wrong username or password');
    }
    if (nonceState === 'stale') return fail('the nonce is stale; answer the new challenge', true);
    // A replayed (nonce, cnonce, nc) is refused: nc must grow for each request on a nonce, counted in the database so
    // that a replay to another API process is refused too. A row lives until its nonce is stale.
    if (now >= this.nextNoncePruneMs) {
      this.nextNoncePruneMs = now + 60_000;
      await deleteExpiredNonces(this.storage.db, now);
    }
    const fresh = await acceptNonceCount(this.storage.db, { feed_id: f.id, nonce: d.nonce, cnonce: d.cnonce, nc: parseInt(d.nc, 16), expires_at: now + NONCE_MAX_AGE_MS });
    if (!fresh) return fail('replayed nonce count');
    return { ok: true, feed: f };
  }
}
