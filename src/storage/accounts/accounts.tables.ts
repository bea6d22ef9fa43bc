import type { Generated } from 'kysely';

/** Timestamps are ISO 8601 UTC strings (`2026-01-01T00:00:00.000Z`) on both dialects: portable and sortable. */
type Ts = string;

export interface AccountTable {
  client_id: number;
  name: string;
  timezone: string;
  webhook_secret: string;
  auto_test_call: number;
  created_at: Ts;
}

export interface UserTable {
  id: string;
  username: string;
  /** `scrypt$…`; empty while an invitation waits to be accepted (no password signs in) */
  password_hash: string;
  created_at: Ts;
  /** migration 015 */
  email: string | null;
  /** when the password was last set (null: at created_at) */
  password_changed_at: Ts | null;
  /** 1: the password was reset by an admin and must be changed at the next sign-in */
  must_change_password: Generated<number>;
  /** failed sign-ins in a row (reset by a success, or once the lockout window has passed since the last failure) */
  failed_logins: Generated<number>;
  last_failed_at: Ts | null;
  /** locked out until then (too many failed sign-ins) */
  locked_until: Ts | null;
  /** the last password sign-in (refreshed at most once a minute) */
  last_login_at: Ts | null;
  /** an admin re-enabled the user (counts as activity for the inactive lockout) */
  reactivated_at: Ts | null;
}

export interface UserAccountTable {
  user_id: string;
  client_id: number;
  /** owner | admin | analyst | read_only (migration 015; earlier users are owners) */
  role: Generated<string>;
  /** set: the user is disabled in this account */
  disabled_at: Ts | null;
}

/** An account's password policy (migration 015); no row: the defaults. */
export interface PasswordPolicyTable {
  client_id: number;
  min_length: number;
  min_classes: number;
  expiry_days: number;
  history: number;
  lockout_attempts: number;
  lockout_minutes: number;
  inactive_days: number;
  updated_at: Ts;
}

/** Earlier password hashes of a user, for the history rule (migration 015). */
export interface PasswordHistoryTable {
  id: string;
  user_id: string;
  password_hash: string;
  changed_at: Ts;
}

/** A signed-in session (migration 015): the token is kept as its SHA-256 only. */
export interface SessionTable {
  id: string;
  token_hash: string;
  user_id: string;
  /** required in X-CSRF-Token on cookie requests that change something */
  csrf_token: string;
  /** the account chosen for the session (PUT /userapi/v1/session/account) */
  current_client_id: number | null;
  created_at: Ts;
  /** refreshed at most once a minute */
  last_seen_at: Ts;
  /** the absolute expiry (TT_SESSION_MAX_HOURS after sign-in) */
  expires_at: Ts;
  address: string | null;
  user_agent: string | null;
}

/** An API key (migration 015): one account, one role, kept as its SHA-256 only. */
export interface ApiKeyTable {
  id: string;
  client_id: number;
  name: string;
  role: string;
  token_hash: string;
  /** the first characters of the key, to recognise it in lists */
  prefix: string;
  created_by: string | null;
  created_by_name: string;
  created_at: Ts;
  /** refreshed at most once a minute */
  last_used_at: Ts | null;
  revoked_at: Ts | null;
}

/** Invitation and password-reset tokens (migration 015), kept as their SHA-256 only; used once. */
export interface UserTokenTable {
  id: string;
  token_hash: string;
  /** invite */
  kind: string;
  user_id: string;
  client_id: number;
  created_at: Ts;
  expires_at: Ts;
  used_at: Ts | null;
}

/** Failed password checks per key and fixed window, shared by every API process (migration 010). */
export interface AuthFailureTable {
  /** `user:…`, `addr:…`, `feed:…` or `legacy:…` */
  key: string;
  /** epoch milliseconds */
  window_start: number;
  failures: number;
}

/** The highest Digest nonce count accepted per feed, nonce and client nonce (migration 010). */
export interface DigestNonceTable {
  feed_id: string;
  nonce: string;
  cnonce: string;
  nc: number;
  /** epoch milliseconds: when the nonce is stale and the row may be deleted */
  expires_at: number;
}

/** Requests counted per key and fixed window, shared by every API process (migration 008). */
export interface RateLimitTable {
  /** what is limited and for whom, e.g. `webapi:user:<id>` */
  key: string;
  /** epoch milliseconds */
  window_start: number;
  used: number;
}

/** One change made in an account (migration 013). */
export interface AuditLogTable {
  id: string;
  client_id: number;
  at: Ts;
  /** null for changes made by Telltale itself (`via` = system) or by the CLI */
  actor_user_id: string | null;
  /** the user name, the API key's name, `cli` or `system` */
  actor_name: string;
  /** basic | session | api_key | invitation | cli | system */
  via: string;
  /** the session or API key id, when `via` is one of them */
  via_id: string | null;
  /** the caller's IP address for HTTP requests */
  address: string | null;
  /** what was done, `<area>.<verb>`, e.g. `call.label`, `user.role`, `subscription.create` */
  action: string;
  /** what it was done to, e.g. `call:123`, `user:us_…` */
  target: string | null;
  /** a JSON object: the change (never a secret or a password) */
  detail: string | null;
}

/** One Idempotency-Key an account sent with a public POST, and the answer repeats get (migration 014). */
export interface IdempotencyKeyTable {
  client_id: number;
  key: string;
  /** SHA-256 of the canonical request (domain/accounts/idempotency.ts) */
  fingerprint: string;
  /** `POST /telco/v1/requests`: the route the key was first used on */
  route: string;
  /** running (the first request has not answered yet) | done (the answer is stored) */
  state: string;
  /** the claim of the request that owns the row */
  token: string;
  status: number | null;
  content_type: string | null;
  body: string | null;
  created_at: Ts;
  /** while running: when another request may take the key over */
  lease_until: Ts;
  /** when the key is forgotten (purged by the worker's sweep) */
  expires_at: Ts;
}
