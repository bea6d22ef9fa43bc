/** Timestamps are ISO 8601 UTC strings (`2026-01-01T00:00:00.000Z`) on both dialects: portable and sortable. */
type Ts = string;

/** A data feed of one account (migration 005): auth per feed, optional daily upload. */
export interface FeedTable {
  id: string;
  client_id: number;
  name: string | null;
  /** basic | digest | ip */
  auth: string;
  username: string | null;
  password_hash: string | null;
  digest_ha1_md5: string | null;
  digest_ha1_sha256: string | null;
  nonce_secret: string;
  /** JSON array of CIDRs */
  allow_cidrs: string;
  /** http_put | sftp | folder | null */
  upload_kind: string | null;
  upload_target: string | null;
  upload_format: string | null;
  /** HH:MM in the account's zone */
  upload_time: string | null;
  upload_username: string | null;
  upload_password: string | null;
  upload_next_at: Ts | null;
  /** the SFTP server's host key fingerprint, `SHA256:<base64>` (migration 007) */
  upload_host_key: string | null;
  /** configured (set by the user) | first_use (pinned by the first successful connection) | null */
  upload_host_key_source: string | null;
  created_at: Ts;
  updated_at: Ts;
  /** 1: the CSV neutralises cells a spreadsheet would run as formulas (migration 011) */
  csv_formula_protection: number;
}

/** One scheduled daily upload of a feed (migration 005); the key makes scheduling idempotent per feed per day. */
export interface FeedUploadTable {
  feed_id: string;
  day: string;
  delivery_id: string;
  created_at: Ts;
}

/** Legacy JSON API credentials (migration 005). */
export interface LegacyApiKeyTable {
  account_id: string;
  client_id: number;
  api_key: string;
  secret: string;
  created_at: Ts;
}

/** Legacy JSON API token keys and session tokens (migration 005). */
export interface LegacyTokenTable {
  token: string;
  kind: string;
  account_id: string;
  expires_at: Ts;
}
