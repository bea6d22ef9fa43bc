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
