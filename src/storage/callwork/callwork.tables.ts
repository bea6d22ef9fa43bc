/** Timestamps are ISO 8601 UTC strings on both dialects. */
type Ts = string;

/** A note a user wrote on a call (migration 016); only its author edits or deletes it. */
export interface CallNoteTable {
  id: string;
  client_id: number;
  call_id: number;
  author_user_id: string;
  author_name: string;
  text: string;
  created_at: Ts;
  updated_at: Ts;
}
