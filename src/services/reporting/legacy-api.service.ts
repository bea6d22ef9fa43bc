import fs from 'node:fs';
import { SecretCodec } from '../../domain/accounts/secret-box.ts';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { legacyCdr, type LegacyCdrOptions } from '../../domain/report/legacy-cdr.ts';
import type { Clock } from '../../domain/clock.ts';
import { AppError, fieldError } from '../../domain/errors.ts';
import { safeEqualHex } from '../../domain/accounts/digest-auth.ts';
import { localDay, parseBound } from '../../domain/report/report-time.ts';
import type { Storage } from '../../storage/database.ts';
import { isUniqueViolation } from '../../storage/database.ts';
import * as accounts from '../../storage/accounts/account.repository.ts';
import * as legacy from '../../storage/reporting/legacy.repository.ts';
import * as reports from '../../storage/reporting/report.repository.ts';
import type { AccountService } from '../accounts/account.service.ts';
import { resolveAccount } from '../accounts/principal.ts';

const TOKEN_KEY_TTL_MS = 5 * 60_000;

/** getCDR's parameters as they arrive (query-string text). */
export interface GetCdrIn {
  date_from?: string;
  date_to?: string;
  last_id?: string;
  limit?: string;
  evaluations?: string;
  features?: string;
  wav?: string;
  web?: string;
  detailed?: string;
  localtime?: string;
}

function yesNo(v: string | undefined, field: string, dflt: boolean): boolean {
  if (v === undefined || v === '') return dflt;
  const t = v.toLowerCase();
  if (t === 'yes' || t === '1' || t === 'true') return true;
  if (t === 'no' || t === '0' || t === 'false') return false;
  throw fieldError(field, 'must be yes or no');
}

function wholeNumber(v: string | undefined, field: string, dflt: number, max: number): number {
  if (v === undefined || v === '') return dflt;
  if (!/^\d+$/.test(v) || Number(v) > max) throw fieldError(field, `must be a whole number from 0 to ${max}`);
  return Number(v);
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

/** The legacy query-string API (`/JSON?action=…`): token handshake, getCDR, getAudio, evaluationDetails. */
export class LegacyApiService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly accountService: AccountService,
    private readonly opts: { publicUrl: string; dataDir: string; tokenTtlSeconds: number },
    /** Seals the legacy secrets at rest (TT_SECRET_KEY). */
    private readonly secrets: SecretCodec = new SecretCodec(() => null),
  ) {}

  /** Issues legacy credentials for an account: `account_id` (a login), `api_key` and `secret`. */
  async createKey(clientId: number, accountId?: string): Promise<{ account_id: string; client_id: number; api_key: string; secret: string }> {
    if (!(await accounts.findAccount(this.storage.db, clientId))) throw new AppError('not_found', `account ${clientId} does not exist`);
    const login = accountId ?? `acct${clientId}-${randomBytes(3).toString('hex')}`;
    if (!/^[A-Za-z0-9._-]{2,100}$/.test(login)) throw fieldError('account_id', 'must be 2–100 letters, digits or . _ -');
    const row = { account_id: login, client_id: clientId, api_key: randomBytes(16).toString('hex'), secret: randomBytes(24).toString('hex'), created_at: this.clock.now().toISOString() };
    try {
      await legacy.insertKey(this.storage.db, row, this.secrets);
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', `account_id ${login} already exists`, [{ path: 'account_id', message: 'already exists' }]);
      throw err;
    }
    return { account_id: row.account_id, client_id: clientId, api_key: row.api_key, secret: row.secret };
  }

  /** Step 1: a single-use token key for an account_id and api_key (`address`: the client's, for the failed-auth throttle). */
  async getTokenKey(accountId: string | undefined, apiKey: string | undefined, address?: string): Promise<string> {
    if (!accountId) throw fieldError('account_id', 'is required');
    if (!apiKey) throw fieldError('api_key', 'is required');
    const subject = { user: `legacy:${accountId}`, address };
    await this.accountService.guard.check(subject);
    const key = await legacy.findKey(this.storage.db, accountId, this.secrets);
    if (!key || !safeEqualHex(md5(key.api_key), md5(apiKey))) {
      await this.accountService.guard.failed(subject);
      throw new AppError('unauthorized', 'wrong account_id or api_key');
    }
    const now = this.clock.now();
    await legacy.deleteExpired(this.storage.db, now.toISOString());
    const tokenKey = randomBytes(16).toString('hex');
    await legacy.insertToken(this.storage.db, { token: tokenKey, kind: 'key', account_id: accountId, expires_at: new Date(now.getTime() + TOKEN_KEY_TTL_MS).toISOString() });
    return tokenKey;
  }

  /** Step 2: proves md5(secret + tokenKey) for one of the account's live token keys; answers a session token. */
  async signIn(accountId: string | undefined, signature: string | undefined, address?: string): Promise<string> {
    if (!accountId) throw fieldError('account_id', 'is required');
    if (!signature) throw fieldError('signature', 'is required');
    const subject = { user: `legacy:${accountId}`, address };
    await this.accountService.guard.check(subject);
    const key = await legacy.findKey(this.storage.db, accountId, this.secrets);
    if (!key) {
      await this.accountService.guard.failed(subject);
      throw new AppError('unauthorized', 'wrong account_id or signature');
    }
    const now = this.clock.now();
    const sig = signature.toLowerCase();
    for (const t of await legacy.liveTokens(this.storage.db, accountId, 'key', now.toISOString())) {
      if (safeEqualHex(md5(key.secret + t.token), sig) && (await legacy.deleteToken(this.storage.db, t.token))) {
        const token = randomBytes(24).toString('hex');
        await legacy.insertToken(this.storage.db, { token, kind: 'session', account_id: accountId, expires_at: new Date(now.getTime() + this.opts.tokenTtlSeconds * 1000).toISOString() });
        return token;
      }
    }
    await this.accountService.guard.failed(subject);
    throw new AppError('unauthorized', 'wrong account_id or signature (get a fresh tokenKey: each is valid once, for 5 minutes)');
  }

  /**
   * The account a call acts on: `account_id` + `token` from signIn, or HTTP Basic with `client_id`. Unknown tokens and
   * wrong passwords count against the client's address (and the user) in the failed-auth throttle.
   */
  async authenticate(q: { account_id?: string; token?: string; client_id?: string }, basic: { username: string; password: string } | null, address?: string): Promise<number> {
    if (q.token) {
      await this.accountService.guard.check({ address });
      const t = await legacy.findToken(this.storage.db, q.token);
      if (!t || t.kind !== 'session' || t.expires_at <= this.clock.now().toISOString() || (q.account_id && q.account_id !== t.account_id)) {
        // An expired token is no guess: only unknown (or another account's) tokens count.
        if (!t || (q.account_id && q.account_id !== t.account_id)) await this.accountService.guard.failed({ address });
        throw new AppError('unauthorized', 'the token is unknown or expired; sign in again');
      }
      const key = await legacy.findKey(this.storage.db, t.account_id, this.secrets);
      if (!key) throw new AppError('unauthorized', 'the token is unknown or expired; sign in again');
      return Number(key.client_id);
    }
    if (basic) {
      const principal = await this.accountService.authenticate(basic.username, basic.password, address);
      let clientId: number | undefined;
      if (q.client_id !== undefined) {
        if (!/^\d{1,15}$/.test(q.client_id)) throw fieldError('client_id', 'must be a positive whole number');
        clientId = Number(q.client_id);
      }
      return resolveAccount(principal, clientId);
    }
    throw new AppError('unauthorized', 'sign in (getTokenKey, signIn, then account_id and token) or use HTTP Basic with client_id');
  }

  /** getCDR: calls after `last_id` in id order within [date_from, date_to), with the optional parts asked for. */
  async getCdr(clientId: number, q: GetCdrIn): Promise<{ calls: Record<string, unknown>[] }> {
    const account = await accounts.findAccount(this.storage.db, clientId);
    if (!account) throw new AppError('not_found', `account ${clientId} does not exist`);
    const o: LegacyCdrOptions = {
      localtime: yesNo(q.localtime, 'localtime', true),
      web: yesNo(q.web, 'web', true),
      wav: yesNo(q.wav, 'wav', true),
      features: yesNo(q.features, 'features', false),
      detailed: yesNo(q.detailed, 'detailed', true),
    };
    const withEvaluations = yesNo(q.evaluations, 'evaluations', false);
    // Dates are wall times in the account's zone with localtime=yes (the default), UTC otherwise; date_to is exclusive
    // (the PHP client's default range is today to tomorrow).
    const zone = o.localtime ? account.timezone : 'UTC';
    const today = localDay(zone, this.clock.now());
    const from = parseBound(q.date_from ?? today, zone, false);
    if (!from) throw fieldError('date_from', 'must be YYYY-MM-DD or YYYY-MM-DD HH:MM:SS');
    const to = q.date_to === undefined ? parseBound(today, zone, true) : parseBound(q.date_to, zone, false);
    if (!to) throw fieldError('date_to', 'must be YYYY-MM-DD or YYYY-MM-DD HH:MM:SS');
    const lastId = wholeNumber(q.last_id, 'last_id', 0, Number.MAX_SAFE_INTEGER);
    const limit = wholeNumber(q.limit, 'limit', 30, 10_000);
    if (limit === 0) throw fieldError('limit', 'must be at least 1');
    const calls = await reports.legacyCalls(this.storage.db, clientId, { from: from.toISOString(), to: to.toISOString() }, lastId, limit);
    if (withEvaluations) {
      const questions = await reports.evaluationQuestions(this.storage.db, clientId);
      const answers = await reports.evaluationAnswers(this.storage.db, calls.map((c) => Number(c.id)));
      const ids = questions.map((x) => x.id);
      return { calls: calls.map((c) => legacyCdr(c, this.opts.publicUrl, { ...o, evaluations: { questionIds: ids, answers: answers.get(Number(c.id)) ?? new Map() } })) };
    }
    return { calls: calls.map((c) => legacyCdr(c, this.opts.publicUrl, o)) };
  }

  /** The stored recording of one of the account's calls: an absolute path inside the data folder, and its type. */
  async audio(clientId: number, callIdText: string | undefined): Promise<{ file: string; contentType: string; size: number }> {
    if (!callIdText || !/^\d{1,15}$/.test(callIdText)) throw fieldError('call_id', 'is required: a call id');
    const call = await reports.findCall(this.storage.db, clientId, Number(callIdText));
    if (!call) throw new AppError('not_found', `call ${callIdText} does not exist`);
    if (!call.recording_path) throw new AppError('not_found', `call ${callIdText} has no recording`);
    const root = path.resolve(this.opts.dataDir);
    const file = path.resolve(root, call.recording_path);
    if (file !== root && !file.startsWith(root + path.sep)) throw new AppError('not_found', `call ${callIdText} has no recording`);
    let size: number;
    try {
      const st = await fs.promises.stat(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      throw new AppError('not_found', `the recording of call ${callIdText} is missing from storage`);
    }
    const ext = path.extname(file).toLowerCase();
    const contentType = ext === '.mp3' ? 'audio/mpeg' : ext === '.ogg' ? 'audio/ogg' : 'audio/wav';
    return { file, contentType, size };
  }

  async evaluationDetails(clientId: number) {
    return { questions: (await reports.evaluationQuestions(this.storage.db, clientId)).map((q) => ({ id: q.id, title: q.title, text: q.text })) };
  }
}
