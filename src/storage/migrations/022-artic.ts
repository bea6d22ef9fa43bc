import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * ARTIC, the call centre (issue #14): teams, agents, queues (with their hours and overflow), IVR menus, the callers
 * in a queue now (artic_queue_calls) and the append-only queue event journal (artic_journal, in the style of
 * Asterisk's queue_log) from which every historical report is derived. A `queue` service sends its calls to a queue
 * or a menu.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('artic_teams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('artic_teams_name_uq').on('artic_teams').columns(['client_id', 'name']).unique().execute();

  await db.schema
    .createTable('artic_agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    // E.164 phone number or a sip: URI
    .addColumn('answer_point', 'text', (c) => c.notNull())
    .addColumn('skills', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('user_id', 'text')
    .addColumn('supervisor', 'integer', (c) => c.notNull().defaultTo(0))
    // logged_out | available | ringing | on_call | wrapup | paused
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('logged_out'))
    .addColumn('state_since', 'text')
    .addColumn('pause_reason', 'text')
    // ringing: when the offer lapses; wrapup: when wrap-up ends
    .addColumn('busy_until', 'text')
    .addColumn('queue_call_id', 'text')
    .addColumn('logged_in_at', 'text')
    .addColumn('last_call_end_at', 'text')
    .addColumn('calls_since_login', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_offered_at', 'text')
    // a pause (`pause:<reason>`) or `logoff` asked for during a call: done when the call ends
    .addColumn('pending_action', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('artic_agents_client_idx').on('artic_agents').columns(['client_id', 'state']).execute();
  await db.schema.createIndex('artic_agents_user_idx').on('artic_agents').columns(['client_id', 'user_id']).execute();

  await db.schema
    .createTable('artic_agent_teams')
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('artic_agent_teams_pk', ['agent_id', 'team_id'])
    .execute();
  await db.schema.createIndex('artic_agent_teams_team_idx').on('artic_agent_teams').columns(['team_id']).execute();

  await db.schema
    .createTable('artic_queues')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    // ring_all | longest_idle | round_robin | fewest_calls
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('ring_time_sec', 'integer', (c) => c.notNull())
    .addColumn('max_wait_sec', 'integer', (c) => c.notNull())
    .addColumn('wrapup_sec', 'integer', (c) => c.notNull())
    .addColumn('service_level_sec', 'integer', (c) => c.notNull())
    .addColumn('short_abandon_sec', 'integer', (c) => c.notNull())
    .addColumn('poll_sec', 'integer', (c) => c.notNull())
    .addColumn('hold_music_url', 'text')
    .addColumn('hold_text', 'text')
    .addColumn('announce_position', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('leave_when_empty', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('skills', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('timezone', 'text', (c) => c.notNull())
    // JSON: [{ day: 0-6 (Sunday 0), open: 'HH:MM', close: 'HH:MM' }], null = always open
    .addColumn('hours', 'text')
    // JSON: ['YYYY-MM-DD'] closed all day
    .addColumn('holidays', 'text', (c) => c.notNull().defaultTo('[]'))
    // JSON: { kind: queue | team | voicemail | prompt | hangup, queue_id?, team_id?, text? }
    .addColumn('overflow', 'text', (c) => c.notNull())
    .addColumn('closed_route', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('artic_queues_name_uq').on('artic_queues').columns(['client_id', 'name']).unique().execute();

  await db.schema
    .createTable('artic_queue_teams')
    .addColumn('queue_id', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('artic_queue_teams_pk', ['queue_id', 'team_id'])
    .execute();
  await db.schema.createIndex('artic_queue_teams_team_idx').on('artic_queue_teams').columns(['team_id']).execute();

  await db.schema
    .createTable('artic_menus')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prompt_text', 'text')
    .addColumn('prompt_url', 'text')
    .addColumn('timeout_sec', 'integer', (c) => c.notNull())
    // JSON: [{ digit, name?, action: queue | menu | voicemail | prompt | hangup, queue_id?, menu_id?, text? }]
    .addColumn('options', 'text', (c) => c.notNull())
    // JSON route when no digit is pressed (same shape as an option without digit)
    .addColumn('otherwise', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('artic_menus_name_uq').on('artic_menus').columns(['client_id', 'name']).unique().execute();

  // A caller in a queue (one row per queue entered). state: waiting | ringing | connected | done.
  await db.schema
    .createTable('artic_queue_calls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('queue_id', 'text', (c) => c.notNull())
    .addColumn('call_id', 'integer', (c) => c.notNull())
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('carrier_call_id', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('entered_at', 'text', (c) => c.notNull())
    .addColumn('orig_position', 'integer', (c) => c.notNull())
    .addColumn('agent_id', 'text')
    // JSON array of the agents offered the call now (ring_all offers several)
    .addColumn('offered_agents', 'text')
    .addColumn('tried_agents', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('offered_at', 'text')
    .addColumn('connected_at', 'text')
    .addColumn('extra_team_id', 'text')
    .addColumn('overflowed_at', 'text')
    .addColumn('ended_at', 'text')
    // answered | abandoned | timeout | empty
    .addColumn('outcome', 'text')
    .execute();
  await db.schema.createIndex('artic_queue_calls_wait_idx').on('artic_queue_calls').columns(['queue_id', 'state', 'entered_at']).execute();
  await db.schema.createIndex('artic_queue_calls_call_idx').on('artic_queue_calls').columns(['carrier', 'carrier_call_id']).execute();

  // The journal: append-only; `seq` orders rows written in the same millisecond.
  await db.schema
    .createTable('artic_journal')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    // epoch milliseconds of `at`, and of the caller's ENTERQUEUE on caller events (reports bucket calls by entry)
    .addColumn('at_ms', 'bigint', (c) => c.notNull())
    .addColumn('entered_ms', 'bigint')
    .addColumn('call_id', 'text', (c) => c.notNull())
    .addColumn('queue_id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('data1', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('data2', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('data3', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('data4', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('data5', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('artic_journal_client_at_idx').on('artic_journal').columns(['client_id', 'at_ms']).execute();
  await db.schema.createIndex('artic_journal_agent_idx').on('artic_journal').columns(['client_id', 'agent_id', 'at_ms']).execute();

  await db.schema.alterTable('services').addColumn('artic_queue_id', 'text').execute();
  await db.schema.alterTable('services').addColumn('artic_menu_id', 'text').execute();
  // JSON: the queue, agent and outcome of an ARTIC call (null for other calls): call_is_artic and the queue tags.
  await db.schema.alterTable('calls').addColumn('artic', 'text').execute();
  await feedTrigger(db, [...FEED_COLUMNS_009, 'artic']);
  // Stored feed lines of format 1 end with tracking_wpc_id; format 2 adds artic_queue and artic_agent, empty for every
  // call stored before this migration: the lines stay current with two empty fields (the trigger does not watch them).
  await sql`update calls set feed_csv = feed_csv || ',,', feed_csv_key = '2' || substr(feed_csv_key, 2) where feed_csv is not null and feed_csv_key like '1|%'`.execute(db);
}

// The stored feed line's trigger (migration 009) watches the feed's columns; `artic` (call_is_artic, artic_queue,
// artic_agent) joins them.
const FEED_COLUMNS_009 = [
  'id', 'unique_id', 'client_id', 'direction', 'tracking_number', 'tracking_name', 'tracking_notes', 'target_number', 'target_name', 'caller_number',
  'caller_withheld', 'caller_location', 'caller_state', 'caller_country', 'timezone', 'started_at', 'ended_at', 'duration', 'connection_duration',
  'talk_duration', 'status_code', 'status', 'has_audio', 'audio_token', 'features', 'custom_id', 'custom_group', 'private_reference',
];

async function feedTrigger(db: Kysely<any>, columns: string[]): Promise<void> {
  const of = columns.map((c) => `"${c}"`).join(', ');
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop trigger if exists calls_feed_csv_clear on calls`.execute(db);
    await sql.raw(`create trigger calls_feed_csv_clear before update of ${of} on calls for each row execute function calls_feed_csv_clear()`).execute(db);
    return;
  }
  await sql`drop trigger if exists calls_feed_csv_clear`.execute(db);
  await sql.raw(`create trigger calls_feed_csv_clear after update of ${of} on calls for each row
    when new.feed_csv is old.feed_csv and new.feed_csv is not null
    begin
      update calls set feed_csv = null, feed_csv_key = null where id = new.id;
    end`).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const c of ['artic_queue_id', 'artic_menu_id']) await db.schema.alterTable('services').dropColumn(c).execute();
  await feedTrigger(db, FEED_COLUMNS_009);
  await db.schema.alterTable('calls').dropColumn('artic').execute();
  for (const t of ['artic_journal', 'artic_queue_calls', 'artic_menus', 'artic_queue_teams', 'artic_queues', 'artic_agent_teams', 'artic_agents', 'artic_teams']) await db.schema.dropTable(t).execute();
}
