import fs from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../domain/clock.ts';
import { ha1 } from '../../domain/accounts/digest-auth.ts';
import { AppError, fieldError } from '../../domain/errors.ts';
import { FeedWriter, FEED_FORMATS, type FeedFormat } from '../../domain/report/feed-output.ts';
import { newId } from '../../domain/ids.ts';
import { hashPassword } from '../../domain/accounts/password.ts';
import { isSealed, open, seal } from '../../domain/accounts/secret-box.ts';
import { localDay, localPeriodRange, nextLocalTime } from '../../domain/report/report-time.ts';
import { normalisedHostname } from '../../domain/delivery/url-policy.ts';
import type { Storage } from '../../storage/database.ts';
import * as accounts from '../../storage/accounts/account.repository.ts';
import * as feeds from '../../storage/reporting/feed.repository.ts';
import * as reports from '../../storage/reporting/report.repository.ts';
import { feedLineKey } from '../../domain/report/feed-line.ts';
import { streamFeedRows } from '../../storage/reporting/feed-stream.repository.ts';
import type { CallFilter } from '../../storage/reporting/report.repository.ts';
import { parseFilterNumber, parseStatuses } from './reporting.service.ts';

export const FEED_REALM = 'Telltale feeds';
export const FEED_AUTHS = ['basic', 'digest', 'ip'] as const;
export type FeedAuth = (typeof FEED_AUTHS)[number];
export const UPLOAD_KINDS = ['http_put', 'sftp', 'folder'] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];

export interface UploadIn {
  kind: UploadKind;
  /** http(s) URL (may hold `{date}`), `sftp://host[:port]/dir`, or an absolute folder path */
  target: string;
  /** HH:MM in the account's zone */
  time: string;
  format?: FeedFormat;
  username?: string;
  password?: string;
  /** sftp only: the server's host key fingerprint as OpenSSH prints it (`SHA256:<base64, no padding>`); unset = trust on first use */
  host_key?: string;
}

/** An OpenSSH SHA-256 host key fingerprint: 32 bytes in base64 without padding (43 characters, the last holding 2 spare zero bits). */
export const SSH_FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]$/;

export interface FeedIn {
  name?: string;
  auth: FeedAuth;
  username?: string;
  password?: string;
  /** CIDRs (or single addresses) allowed to read the feed; required for `ip`, optional extra check otherwise */
  allow?: string[];
  upload?: UploadIn | null;
  /** CSV (served and uploaded): neutralise cells a spreadsheet would run as formulas (OWASP CSV Injection); default off. */
  csv_formula_protection?: boolean;
}

export interface FeedView {
  id: string;
  client_id: number;
  name: string | null;
  auth: string;
  username: string | null;
  allow: string[];
  url: string;
  urls: Record<string, string>;
  upload: {
    kind: string;
    target: string;
    time: string;
    format: string;
    username: string | null;
    /** sftp: the fingerprint the server must present (configured, or pinned on first use); null = not pinned yet */
    host_key: string | null;
    host_key_source: 'configured' | 'first_use' | null;
    next_at: string | null;
  } | null;
  csv_formula_protection: boolean;
  created_at: string;
}

/** Where in a feed: `latest` (yesterday and today, local), a year, a month or a day in the account's zone. */
export interface FeedPath {
  period: 'latest' | 'year' | 'month' | 'day';
  year?: number;
  month?: number;
  day?: number;
  format: FeedFormat;
}

const PATH_RE = /^(latest|(\d{4})(?:\/(\d{2})(?:\/(\d{2}))?)?)\.(json|csv|xml)$/;

export function parseFeedPath(rest: string): FeedPath | null {
  const m = PATH_RE.exec(rest);
  if (!m) return null;
  const format = m[5] as FeedFormat;
  if (m[1] === 'latest') return { period: 'latest', format };
  return { period: m[4] ? 'day' : m[3] ? 'month' : 'year', year: +m[2], month: m[3] ? +m[3] : undefined, day: m[4] ? +m[4] : undefined, format };
}

export interface FeedFilterIn {
  caller_number?: string;
  call_status?: string;
  custom_id?: string;
  custom_group?: string;
}

function validCidr(entry: string): boolean {
  const [addr, bits, extra] = entry.split('/');
  if (extra !== undefined) return false;
  const v4 = isIPv4(addr);
  if (!v4 && !isIPv6(addr)) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (v4 ? 32 : 128);
}

/** Data feeds: creation and settings, and the streamed feed content (who may read one: FeedAccessService). */
export class FeedService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    /** secretKey: the key upload passwords are sealed with (TT_SECRET_KEY, or the sandbox's generated one), null when none. */
    /**
     * checkDestination: the outbound URL policy for http_put and sftp targets (production; see TT_ALLOW_PRIVATE_URLS).
     * folderRoot: where folder uploads may write (TT_FEED_FOLDER_ROOT); null/absent: any absolute folder; false: none.
     */
    private readonly opts: {
      publicUrl: string;
      secretKey?: () => Buffer | null;
      checkDestination?: (url: string) => Promise<string | null>;
      folderRoot?: string | null | false;
    },
  ) {}

  view(f: feeds.FeedRow): FeedView {
    const base = `${this.opts.publicUrl}/feeds/${f.id}`;
    return {
      id: f.id,
      client_id: Number(f.client_id),
      name: f.name,
      auth: f.auth,
      username: f.username,
      allow: JSON.parse(f.allow_cidrs) as string[],
      url: `${base}/latest.json`,
      urls: { latest: `${base}/latest.{json|csv|xml}`, year: `${base}/{YYYY}.{ext}`, month: `${base}/{YYYY}/{MM}.{ext}`, day: `${base}/{YYYY}/{MM}/{DD}.{ext}` },
      upload: f.upload_kind
        ? {
            kind: f.upload_kind,
            target: f.upload_target!,
            time: f.upload_time!,
            format: f.upload_format ?? 'csv',
            username: f.upload_username,
            host_key: f.upload_host_key ?? null,
            host_key_source: (f.upload_host_key ? (f.upload_host_key_source ?? 'configured') : null) as 'configured' | 'first_use' | null,
            next_at: f.upload_next_at,
          }
        : null,
      csv_formula_protection: f.csv_formula_protection === 1,
      created_at: f.created_at,
    };
  }

  /** The server key upload passwords are encrypted with (TT_SECRET_KEY); null: none (production without TT_SECRET_KEY). */
  private secretKey(): Buffer | null {
    return this.opts.secretKey?.() ?? null;
  }

  /**
   * The clear upload password of a feed (null: none). A legacy clear-text value is used as is and, when a key is at
   * hand, stored encrypted from then on. Throws SecretBoxError when the stored value does not open with the key.
   */
  async uploadPassword(f: feeds.FeedRow): Promise<string | null> {
    const stored = f.upload_password;
    if (!stored) return null;
    if (isSealed(stored)) return open(this.secretKey(), stored);
    const key = this.secretKey();
    if (key) await feeds.updateFeed(this.storage.db, f.id, { upload_password: seal(key, stored) });
    return stored;
  }

  async createFeed(clientId: number, input: FeedIn): Promise<FeedView> {
    const account = await accounts.findAccount(this.storage.db, clientId);
    if (!account) throw new AppError('not_found', `account ${clientId} does not exist`);
    if (!FEED_AUTHS.includes(input.auth)) throw fieldError('auth', 'must be basic, digest or ip');
    const allow = input.allow ?? [];
    for (const [i, a] of allow.entries()) if (!validCidr(a)) throw fieldError(`allow[${i}]`, `"${a}" is not an IP address or CIDR block`);
    if (input.auth === 'ip' && allow.length === 0) throw fieldError('allow', 'at least one address or CIDR block is required for auth=ip');
    let username: string | null = null;
    let passwordHash: string | null = null;
    let md5: string | null = null;
    let sha: string | null = null;
    if (input.auth !== 'ip') {
      username = input.username?.trim() ?? '';
      if (!/^[A-Za-z0-9._@+-]{1,100}$/.test(username)) throw fieldError('username', 'is required: 1–100 letters, digits or . _ @ + -');
      const password = input.password ?? '';
      if (password.length < 8) throw fieldError('password', 'is required: at least 8 characters');
      if (input.auth === 'basic') passwordHash = await hashPassword(password);
      else {
        md5 = ha1('MD5', username, FEED_REALM, password);
        sha = ha1('SHA-256', username, FEED_REALM, password);
      }
    }
    const upload = input.upload ? await this.checkUpload(input.upload) : null;
    let uploadPassword: string | null = null;
    if (upload?.password) {
      const key = this.secretKey();
      if (!key) {
        // The request is fine; the server is not set up to keep it (422, not 400).
        const message = 'cannot be stored: this server has no TT_SECRET_KEY to encrypt it with (the operator sets TT_SECRET_KEY to 32 random bytes in base64, e.g. openssl rand -base64 32)';
        throw new AppError('unprocessable', `upload.password: ${message}`, [{ path: 'upload.password', message }]);
      }
      uploadPassword = seal(key, upload.password);
    }
    const now = this.clock.now();
    const id = newId('feed', now.getTime());
    await feeds.insertFeed(this.storage.db, {
      id,
      client_id: clientId,
      name: input.name ?? null,
      auth: input.auth,
      username,
      password_hash: passwordHash,
      digest_ha1_md5: md5,
      digest_ha1_sha256: sha,
      nonce_secret: randomBytes(24).toString('base64url'),
      allow_cidrs: JSON.stringify(allow),
      upload_kind: upload?.kind ?? null,
      upload_target: upload?.target ?? null,
      upload_format: upload ? (upload.format ?? 'csv') : null,
      upload_time: upload?.time ?? null,
      upload_username: upload?.username ?? null,
      upload_password: uploadPassword,
      upload_host_key: upload?.host_key ?? null,
      upload_host_key_source: upload?.host_key ? 'configured' : null,
      upload_next_at: upload ? nextLocalTime(account.timezone, upload.time, now).toISOString() : null,
      csv_formula_protection: input.csv_formula_protection ? 1 : 0,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    });
    return this.view((await feeds.findFeed(this.storage.db, id))!);
  }

  private async checkUpload(u: UploadIn): Promise<UploadIn> {
    if (!UPLOAD_KINDS.includes(u.kind)) throw fieldError('upload.kind', 'must be http_put, sftp or folder');
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(u.time ?? '')) throw fieldError('upload.time', 'must be HH:MM (24-hour, account time)');
    if (u.format !== undefined && !FEED_FORMATS.includes(u.format)) throw fieldError('upload.format', 'must be json, csv or xml');
    const t = u.target ?? '';
    // The target as it will be used on some day: `{date}` is a date, anything else is checked as given.
    const probe = t.replace(/\{date\}/g, '2000-01-01');
    if (u.kind === 'http_put' && (!/^https?:\/\/[^\s]+$/.test(t) || !URL.canParse(probe))) throw fieldError('upload.target', 'must be an http(s) URL with a valid host');
    if (u.kind === 'http_put' && URL.canParse(t) && (new URL(t).username || new URL(t).password)) {
      // Credentials in the URL would be stored and shown in clear: they belong in upload.username/password (encrypted).
      throw fieldError('upload.target', 'must not carry credentials: give them as upload.username and upload.password');
    }
    if (u.kind === 'http_put' && u.password && !u.username) throw fieldError('upload.username', 'is required with upload.password (HTTP Basic credentials)');
    if (u.kind === 'http_put' && u.username?.includes(':')) throw fieldError('upload.username', 'must not contain ":" (HTTP Basic)');
    if (u.kind === 'sftp') {
      let url: URL | null = null;
      try {
        url = new URL(t);
      } catch {
        /* reported below */
      }
      if (!url || url.protocol !== 'sftp:' || !url.hostname || !normalisedHostname(url)) throw fieldError('upload.target', 'must be sftp://host[:port]/folder with a valid host');
      if (!u.username) throw fieldError('upload.username', 'is required for sftp');
      if (!u.password) throw fieldError('upload.password', 'is required for sftp');
      if (u.host_key !== undefined && u.host_key !== null && !SSH_FINGERPRINT_RE.test(u.host_key)) {
        throw fieldError('upload.host_key', 'must be the server\'s SHA-256 host key fingerprint as OpenSSH prints it: SHA256: then 43 base64 characters, no padding (ssh-keygen -lf <host key file>, or ssh-keyscan <host> | ssh-keygen -lf -)');
      }
    } else if (u.host_key !== undefined && u.host_key !== null) {
      throw fieldError('upload.host_key', 'is only used with kind sftp');
    }
    if (u.kind === 'folder') return { ...u, target: await this.checkFolder(t) };
    if (this.opts.checkDestination) {
      const refusal = await this.opts.checkDestination(probe);
      if (refusal) throw fieldError('upload.target', `is refused by the outbound URL policy: ${refusal}`);
    }
    return u;
  }

  /**
   * A folder upload's target: with a root (TT_FEED_FOLDER_ROOT), an absolute folder inside it or a folder relative
   * to it, stored as the absolute path, and not leading out of it through a symbolic link; without, any absolute
   * folder (sandbox). `..` is refused either way.
   */
  private async checkFolder(t: string): Promise<string> {
    const root = this.opts.folderRoot ?? null;
    if (root === false) throw fieldError('upload.kind', 'folder uploads are disabled on this server (the operator allows them inside one folder with TT_FEED_FOLDER_ROOT)');
    if (t.includes('\0')) throw fieldError('upload.target', 'must not contain NUL characters');
    if (t.split(/[\\/]/).includes('..')) throw fieldError('upload.target', 'must not contain ".." segments');
    if (root === null) {
      if (!t.startsWith('/')) throw fieldError('upload.target', 'must be an absolute folder path');
      return t;
    }
    const base = path.resolve(root);
    const inside = `must be a folder inside ${base} (TT_FEED_FOLDER_ROOT), absolute or relative to it`;
    const resolved = path.resolve(base, t);
    const within = (r: string, p: string) => {
      const rel = path.relative(r, p);
      return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
    };
    if (!within(base, resolved)) throw fieldError('upload.target', inside);
    // Symbolic links already there are followed: the longest existing part of the path must stay inside the real root.
    const realRoot = await fs.promises.realpath(base).catch(() => null);
    if (realRoot) {
      let existing = resolved;
      while (!fs.existsSync(existing) && existing !== base) existing = path.dirname(existing);
      const real = await fs.promises.realpath(existing).catch(() => null);
      if (!real || !within(realRoot, real)) throw fieldError('upload.target', `${inside}; ${existing} leads outside it (a symbolic link)`);
    }
    return resolved;
  }

  async listFeeds(clientId: number): Promise<FeedView[]> {
    return (await feeds.listFeeds(this.storage.db, clientId)).map((f) => this.view(f));
  }

  async getFeed(clientId: number, id: string): Promise<FeedView> {
    const f = await feeds.findAccountFeed(this.storage.db, clientId, id);
    if (!f) throw new AppError('not_found', `feed ${id} does not exist`);
    return this.view(f);
  }

  async deleteFeed(clientId: number, id: string): Promise<void> {
    if (!(await feeds.deleteFeed(this.storage.db, clientId, id))) throw new AppError('not_found', `feed ${id} does not exist`);
  }

  /** The calls a feed path covers, with its filters, as a storage filter. */
  async feedFilter(f: feeds.FeedRow, path: FeedPath, q: FeedFilterIn): Promise<CallFilter> {
    const account = await accounts.findAccount(this.storage.db, Number(f.client_id));
    const zone = account?.timezone ?? 'UTC';
    let range: { start: Date; end: Date } | null;
    if (path.period === 'latest') {
      const today = localDay(zone, this.clock.now()).split('-').map(Number);
      const t = localPeriodRange(zone, today[0], today[1], today[2])!;
      const yesterday = localDay(zone, new Date(t.start.getTime() - 1)).split('-').map(Number);
      range = { start: localPeriodRange(zone, yesterday[0], yesterday[1], yesterday[2])!.start, end: t.end };
    } else {
      range = localPeriodRange(zone, path.year!, path.month, path.day);
      if (!range) throw fieldError('path', `${path.year}${path.month ? `/${String(path.month).padStart(2, '0')}` : ''}${path.day ? `/${String(path.day).padStart(2, '0')}` : ''} is not a date`);
    }
    const filter: CallFilter = { from: range.start.toISOString(), to: range.end.toISOString() };
    if (q.caller_number !== undefined) filter.caller = parseFilterNumber(q.caller_number, 'caller_number', true);
    if (q.call_status !== undefined) filter.statusCodes = parseStatuses(q.call_status, 'call_status');
    if (q.custom_id !== undefined) filter.customId = q.custom_id;
    if (q.custom_group !== undefined) filter.customGroup = q.custom_group;
    return filter;
  }

  /** ETag and Last-Modified of a feed response: they change whenever a matching call is added or changed. */
  async stamp(f: feeds.FeedRow, filter: CallFilter, variant: string): Promise<{ etag: string; lastModified: Date | null }> {
    const s = await reports.callStamp(this.storage.db, Number(f.client_id), filter);
    const etag = `"${createHash('sha256').update(JSON.stringify([f.id, variant, filter, s])).digest('base64url').slice(0, 27)}"`;
    return { etag, lastModified: s.lastUpdated ? new Date(s.lastUpdated) : null };
  }

  /** The feed's records in a format, streamed from the database in batches (flat memory), as UTF-8 chunks. */
  async *contentBytes(f: feeds.FeedRow, filter: CallFilter, format: FeedFormat): AsyncGenerator<Buffer> {
    const w = new FeedWriter(format, this.opts.publicUrl, undefined, { csvFormulaProtection: f.csv_formula_protection === 1 });
    yield Buffer.from(w.head(), 'utf8');
    // CSV: calls with a current stored line (issue #5) come as that line, the others as rows formatted live.
    const lineKey = format === 'csv' ? feedLineKey(this.opts.publicUrl) : undefined;
    for await (const batch of streamFeedRows(this.storage, Number(f.client_id), filter, undefined, lineKey)) {
      const chunk = w.push(batch);
      if (chunk) yield chunk;
    }
    const last = w.flush();
    if (last) yield last;
    const tail = w.tail();
    if (tail) yield Buffer.from(tail, 'utf8');
  }

  /** The same as text (uploads); chunks end between records, so each decodes on its own. */
  async *content(f: feeds.FeedRow, filter: CallFilter, format: FeedFormat): AsyncGenerator<string> {
    for await (const b of this.contentBytes(f, filter, format)) yield b.toString('utf8');
  }

  async feedById(id: string) {
    return feeds.findFeed(this.storage.db, id);
  }
}
