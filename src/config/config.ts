import path from 'node:path';
import { parseSecretKey } from '../domain/accounts/secret-box.ts';

/** Every TT_* variable Telltale reads, with its default and a one-line meaning (kept in step with config.example.env by a test). */
export const CONFIG_VARIABLES = {
  TT_HOST: { default: '127.0.0.1', doc: 'Address the HTTP server listens on.' },
  TT_PORT: { default: '8080', doc: 'Port the HTTP server listens on (0 picks a free port).' },
  TT_DATA_DIR: { default: './data', doc: 'Folder for the SQLite file and, later, recordings.' },
  TT_DATABASE_URL: { default: '', doc: 'postgres://user:pass@host/db to use PostgreSQL instead of the embedded SQLite file.' },
  TT_DB_BUSY_TIMEOUT_MS: { default: '5000', doc: 'Milliseconds a write waits for the database lock (SQLite busy wait, PostgreSQL lock_timeout) before the request answers 503 with Retry-After.' },
  TT_PUBLIC_URL: { default: '', doc: 'Base URL outsiders (carriers, your systems) use to reach Telltale; defaults to http://TT_HOST:TT_PORT.' },
  TT_MODE: { default: 'sandbox', doc: 'sandbox (simulated carrier, demo data, private callback URLs allowed) or production.' },
  TT_DEMO: { default: '1', doc: 'Seed a demo account, user and sandbox stock on an empty database (sandbox mode only); 0 disables.' },
  TT_LOG_LEVEL: { default: 'info', doc: 'fatal, error, warn, info, debug, trace or silent.' },
  TT_PROPAGATION_DELAY_SECONDS: { default: '', doc: 'Seconds a new service takes to go live on the network; default 0 in sandbox, 420 in production.' },
  TT_QUARANTINE_DAYS: { default: '90', doc: 'Days a decommissioned public number rests in quarantine (90 to 183).' },
  TT_QUIET_DAYS: { default: '14', doc: 'Days before release over which noise calls are counted; each noise call pushes the release date to at least that far ahead.' },
  TT_NOISE_THRESHOLD: { default: '0', doc: 'Noise calls tolerated within the quiet period for a number to be released.' },
  TT_SWEEP_INTERVAL_SECONDS: { default: '3600', doc: 'How often a worker runs the quarantine sweep.' },
  TT_WORKER_POLL_MS: { default: '250', doc: 'How often an idle worker looks for due jobs.' },
  TT_DELIVERY_RETRY_SCHEDULE: { default: '0,5,300,1800,7200,18000,36000,36000', doc: 'Seconds before each delivery attempt, comma-separated; after the last one the delivery is dead-lettered.' },
  TT_DELIVERY_CONNECT_TIMEOUT_MS: { default: '5000', doc: 'Connect timeout of one delivery attempt.' },
  TT_DELIVERY_TIMEOUT_MS: { default: '15000', doc: 'Hard deadline of one delivery attempt, any transport (HTTP, SMTP, SFTP, HTTP PUT, folder): cut off and retried after it.' },
  TT_ALLOW_PRIVATE_URLS: { default: '', doc: 'true/false: allow callbacks to private, loopback and link-local addresses (default: allowed in sandbox, refused in production).' },
  TT_DELIVERY_CONCURRENCY: { default: '64', doc: 'Deliveries one worker process sends at the same time.' },
  TT_SMTP_URL: { default: '', doc: 'smtp(s)://user:pass@host:port for e-mail notifications; empty: e-mail notifications fail with a clear error in the delivery log.' },
  TT_SMTP_FROM: { default: 'Telltale <telltale@localhost>', doc: 'From address of e-mail notifications.' },
  TT_TWILIO_ACCOUNT_SID: { default: '', doc: 'Account SID of the Twilio-style carrier (used to fetch recordings); sandbox default ACsandbox00000000000000000000000000.' },
  TT_TWILIO_AUTH_TOKEN: { default: '', doc: 'Auth token that signs the carrier webhooks (X-Twilio-Signature); sandbox default sandbox-auth-token, required in production.' },
  TT_SIGNALWIRE_PROJECT_ID: { default: '', doc: 'SignalWire project ID (the AccountSid of its cXML webhooks); set together with TT_SIGNALWIRE_SIGNING_KEY, empty: no SignalWire.' },
  TT_SIGNALWIRE_SIGNING_KEY: { default: '', doc: 'SignalWire signing key that signs its webhooks (X-SignalWire-Signature); /carrier/signalwire/* exists only when it is set.' },
  TT_TELNYX_PUBLIC_KEY: { default: '', doc: 'Telnyx account public key (base64 Ed25519, 32 bytes) that verifies its TeXML webhooks; /carrier/telnyx/* exists only when it is set.' },
  TT_CALL_GRACE_SECONDS: { default: '120', doc: 'Seconds after a call ends to wait for late data (recordings) before finalizing it anyway.' },
  TT_WEBAPI_RATE_LIMIT: { default: '600', doc: 'WebAPI requests one user may make per rate-limit window, counted in the database across all API processes (fails open if the database cannot count).' },
  TT_WEBAPI_RATE_WINDOW_SECONDS: { default: '60', doc: 'Length of the WebAPI rate-limit window in seconds.' },
  TT_AUTH_FAIL_USER_LIMIT: { default: '10', doc: 'Failed sign-ins per user name (or feed, or legacy account_id) and window before every attempt for it answers 429 with Retry-After, the right password too; counted in the database across all API processes.' },
  TT_AUTH_FAIL_ADDRESS_LIMIT: { default: '50', doc: 'Failed sign-ins per source address (IPv6: per /64) and window before every attempt from it answers 429 with Retry-After.' },
  TT_AUTH_FAIL_WINDOW_SECONDS: { default: '900', doc: 'Length of the failed sign-in window in seconds; the counts start again in each window.' },
  TT_AUTH_KDF_CONCURRENCY: { default: '1', doc: 'Password checks (scrypt) one API process runs at the same time; the others wait their turn (at most 256, then 429), so checks never take every core from other requests.' },
  TT_LEGACY_TOKEN_TTL_SECONDS: { default: '86400', doc: 'How long a legacy JSON API session token (from signIn) stays valid.' },
  TT_SECRET_KEY: { default: '', doc: 'Server key (32 random bytes, base64: openssl rand -base64 32) that encrypts feed upload passwords, webhook secrets and legacy API secrets at rest; sandbox without it: a key generated once into TT_DATA_DIR/secret-key; production without it: upload passwords are refused and the other secrets are kept in clear.' },
  TT_FEED_FOLDER_ROOT: { default: '', doc: 'Folder feed uploads (kind folder) may write only inside this folder (symbolic links followed); empty: refused in production, any absolute folder in sandbox.' },
  TT_DNI_GRACE_MINUTES: { default: '', doc: 'Minutes after a DNI lease ends (or a visitor was last seen on a shared number) during which a call to that number is still attributed to the visit; empty: each tracking code\'s hold time.' },
  TT_METRICS_TOKEN: { default: '', doc: 'Bearer token /metrics requires (Authorization: Bearer <token>); empty: /metrics is open in sandbox mode and answers 404 in production.' },
} as const;

export type ConfigVariable = keyof typeof CONFIG_VARIABLES;

/** The sandbox carrier's credentials when none are configured (sandbox mode only; production has no default). */
export const SANDBOX_ACCOUNT_SID = 'ACsandbox00000000000000000000000000';
export const SANDBOX_AUTH_TOKEN = 'sandbox-auth-token';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly databaseUrl: string | null;
  /** How long a write waits for a locked database before it fails `unavailable` (503). */
  readonly dbBusyTimeoutMs: number;
  readonly publicUrl: string;
  readonly mode: 'sandbox' | 'production';
  readonly demo: boolean;
  readonly logLevel: string;
  readonly propagationDelaySeconds: number;
  readonly quarantineDays: number;
  readonly quietDays: number;
  readonly noiseThreshold: number;
  readonly sweepIntervalSeconds: number;
  readonly workerPollMs: number;
  readonly deliveryRetrySchedule: readonly number[];
  readonly deliveryConnectTimeoutMs: number;
  readonly deliveryTimeoutMs: number;
  readonly allowPrivateUrls: boolean;
  readonly deliveryConcurrency: number;
  readonly smtpUrl: string | null;
  readonly smtpFrom: string;
  readonly twilioAccountSid: string;
  /** Empty in production when not configured: carrier webhooks are then refused (403). */
  readonly twilioAuthToken: string;
  /** SignalWire project ID and signing key: both set, or both empty (no SignalWire routes). */
  readonly signalwireProjectId: string;
  readonly signalwireSigningKey: string;
  /** Telnyx Ed25519 public key (base64 of the raw 32 bytes); empty: no Telnyx routes. */
  readonly telnyxPublicKey: string;
  readonly callGraceSeconds: number;
  readonly webapiRateLimit: number;
  readonly webapiRateWindowSeconds: number;
  readonly legacyTokenTtlSeconds: number;
  readonly authFailUserLimit: number;
  readonly authFailAddressLimit: number;
  readonly authFailWindowSeconds: number;
  readonly authKdfConcurrency: number;
  /** TT_SECRET_KEY decoded (32 bytes), or null when unset. */
  readonly secretKey: Buffer | null;
  /** TT_FEED_FOLDER_ROOT resolved, or null when unset (folder uploads: refused in production, anywhere in sandbox). */
  readonly feedFolderRoot: string | null;
  /** Bearer token of /metrics; empty: open in sandbox, 404 in production. */
  readonly metricsToken: string;
  /** DNI attribution grace window in minutes; null: each tracking code's hold time. */
  readonly dniGraceMinutes: number | null;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parses TT_* variables into a frozen Config; lists every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const unknown = Object.keys(env).filter((k) => k.startsWith('TT_') && !k.startsWith('TT_TEST_') && !(k in CONFIG_VARIABLES));
  for (const k of unknown) problems.push(`${k}: unknown variable (known: ${Object.keys(CONFIG_VARIABLES).join(', ')})`);
  const raw = (k: ConfigVariable): string => {
    const v = env[k];
    return v === undefined || v === '' ? CONFIG_VARIABLES[k].default : v.trim();
  };
  const int = (k: ConfigVariable, min: number, max: number): number => {
    const v = raw(k);
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || n < min || n > max) {
      problems.push(`${k}: must be a whole number from ${min} to ${max}, got "${v}"`);
      return min;
    }
    return n;
  };
  const bool = (k: ConfigVariable, fallback: boolean): boolean => {
    const v = raw(k).toLowerCase();
    if (v === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    problems.push(`${k}: must be true or false, got "${v}"`);
    return fallback;
  };

  const host = raw('TT_HOST');
  const port = int('TT_PORT', 0, 65535);
  const mode = raw('TT_MODE');
  if (mode !== 'sandbox' && mode !== 'production') problems.push(`TT_MODE: must be sandbox or production, got "${mode}"`);
  const databaseUrl = raw('TT_DATABASE_URL') || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('TT_DATABASE_URL: must start with postgres:// (leave it empty for the embedded SQLite file)');
  let publicUrl = raw('TT_PUBLIC_URL');
  if (publicUrl) {
    try {
      const u = new URL(publicUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
      publicUrl = publicUrl.replace(/\/+$/, '');
    } catch {
      problems.push(`TT_PUBLIC_URL: must be an http(s) URL, got "${publicUrl}"`);
    }
  } else {
    publicUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }
  const logLevel = raw('TT_LOG_LEVEL');
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`TT_LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const delayRaw = raw('TT_PROPAGATION_DELAY_SECONDS');
  const propagationDelaySeconds = delayRaw === '' ? (mode === 'production' ? 420 : 0) : int('TT_PROPAGATION_DELAY_SECONDS', 0, 86400);
  const schedule = raw('TT_DELIVERY_RETRY_SCHEDULE').split(',').map((s) => s.trim());
  if (schedule.length === 0 || schedule.some((s) => !/^\d+$/.test(s))) {
    problems.push(`TT_DELIVERY_RETRY_SCHEDULE: must be comma-separated whole seconds, got "${raw('TT_DELIVERY_RETRY_SCHEDULE')}"`);
  }

  const smtpUrl = raw('TT_SMTP_URL');
  if (smtpUrl && !/^smtps?:\/\/[^/]+/.test(smtpUrl)) problems.push(`TT_SMTP_URL: must look like smtp://user:pass@host:587 or smtps://host:465, got "${smtpUrl}"`);

  const signalwireProjectId = raw('TT_SIGNALWIRE_PROJECT_ID');
  const signalwireSigningKey = raw('TT_SIGNALWIRE_SIGNING_KEY');
  if (signalwireProjectId && !signalwireSigningKey) problems.push('TT_SIGNALWIRE_SIGNING_KEY: required when TT_SIGNALWIRE_PROJECT_ID is set (it signs the SignalWire webhooks)');
  if (signalwireSigningKey && !signalwireProjectId) problems.push('TT_SIGNALWIRE_PROJECT_ID: required when TT_SIGNALWIRE_SIGNING_KEY is set');
  const telnyxPublicKey = raw('TT_TELNYX_PUBLIC_KEY');
  if (telnyxPublicKey && !(/^[A-Za-z0-9+/]{43}=$/.test(telnyxPublicKey) && Buffer.from(telnyxPublicKey, 'base64').length === 32)) {
    problems.push('TT_TELNYX_PUBLIC_KEY: must be the base64 of a 32-byte Ed25519 public key (44 characters ending in =), as the Telnyx portal shows it');
  }

  const secretKeyText = raw('TT_SECRET_KEY');
  const secretKey = secretKeyText ? parseSecretKey(secretKeyText) : null;
  if (typeof secretKey === 'string') problems.push(`TT_SECRET_KEY: ${secretKey}`);

  const config: Config = {
    host,
    port,
    dataDir: path.resolve(raw('TT_DATA_DIR')),
    databaseUrl,
    dbBusyTimeoutMs: int('TT_DB_BUSY_TIMEOUT_MS', 50, 600000),
    publicUrl,
    mode: mode === 'production' ? 'production' : 'sandbox',
    demo: bool('TT_DEMO', true),
    logLevel,
    propagationDelaySeconds,
    quarantineDays: int('TT_QUARANTINE_DAYS', 90, 183),
    quietDays: int('TT_QUIET_DAYS', 0, 365),
    noiseThreshold: int('TT_NOISE_THRESHOLD', 0, 100000),
    sweepIntervalSeconds: int('TT_SWEEP_INTERVAL_SECONDS', 1, 86400 * 7),
    workerPollMs: int('TT_WORKER_POLL_MS', 10, 60000),
    deliveryRetrySchedule: Object.freeze(schedule.map(Number)),
    deliveryConnectTimeoutMs: int('TT_DELIVERY_CONNECT_TIMEOUT_MS', 100, 120000),
    deliveryTimeoutMs: int('TT_DELIVERY_TIMEOUT_MS', 100, 600000),
    allowPrivateUrls: bool('TT_ALLOW_PRIVATE_URLS', mode !== 'production'),
    deliveryConcurrency: int('TT_DELIVERY_CONCURRENCY', 1, 1024),
    webapiRateLimit: int('TT_WEBAPI_RATE_LIMIT', 1, 1_000_000),
    webapiRateWindowSeconds: int('TT_WEBAPI_RATE_WINDOW_SECONDS', 1, 86400),
    legacyTokenTtlSeconds: int('TT_LEGACY_TOKEN_TTL_SECONDS', 60, 30 * 86400),
    authFailUserLimit: int('TT_AUTH_FAIL_USER_LIMIT', 1, 1_000_000),
    authFailAddressLimit: int('TT_AUTH_FAIL_ADDRESS_LIMIT', 1, 1_000_000),
    authFailWindowSeconds: int('TT_AUTH_FAIL_WINDOW_SECONDS', 1, 86400),
    authKdfConcurrency: int('TT_AUTH_KDF_CONCURRENCY', 1, 64),
    smtpUrl: smtpUrl || null,
    smtpFrom: raw('TT_SMTP_FROM'),
    twilioAccountSid: raw('TT_TWILIO_ACCOUNT_SID') || (mode === 'production' ? '' : SANDBOX_ACCOUNT_SID),
    twilioAuthToken: raw('TT_TWILIO_AUTH_TOKEN') || (mode === 'production' ? '' : SANDBOX_AUTH_TOKEN),
    signalwireProjectId,
    signalwireSigningKey,
    telnyxPublicKey,
    callGraceSeconds: int('TT_CALL_GRACE_SECONDS', 0, 86400),
    secretKey: typeof secretKey === 'string' ? null : secretKey,
    feedFolderRoot: raw('TT_FEED_FOLDER_ROOT') ? path.resolve(raw('TT_FEED_FOLDER_ROOT')) : null,
    metricsToken: raw('TT_METRICS_TOKEN'),
    dniGraceMinutes: raw('TT_DNI_GRACE_MINUTES') === '' ? null : int('TT_DNI_GRACE_MINUTES', 0, 10080),
  };
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze(config);
}
