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
  password_hash: string;
  created_at: Ts;
}

export interface UserAccountTable {
  user_id: string;
  client_id: number;
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
  /** basic | session | api_key | cli | system */
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
