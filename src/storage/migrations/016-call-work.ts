import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * Call work (issue #12): notes on calls (author and time), evaluation questions with a weight that are archived
 * rather than deleted once answered, who answered an evaluation, and the indexes of the call-log search's notes
 * lookup, the evaluation report and the received-SMS list. Runs on SQLite and PostgreSQL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const bigint = pg ? 'bigint' : 'integer';

  await db.schema
    .createTable('call_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'integer', (c) => c.notNull())
    .addColumn('call_id', bigint, (c) => c.notNull().references('calls.id').onDelete('cascade'))
    .addColumn('author_user_id', 'text', (c) => c.notNull())
    .addColumn('author_name', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // A call's notes in order; the search's EXISTS looks a call's notes up by call id.
  await db.schema.createIndex('call_notes_call_idx').on('call_notes').columns(['call_id', 'created_at', 'id']).execute();
  // Or, when the planner prefers one pass (PostgreSQL's hashed subplan), the account's notes.
  await db.schema.createIndex('call_notes_client_idx').on('call_notes').columns(['client_id', 'call_id']).execute();

  await db.schema.alterTable('evaluation_questions').addColumn('weight', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('evaluation_questions').addColumn('archived_at', 'text').execute();
  await db.schema.alterTable('evaluation_questions').addColumn('updated_at', 'text').execute();

  await db.schema.alterTable('call_evaluations').addColumn('answered_by', 'text').execute();
  // Whether a question has answers (delete or archive), and the report's scan by question.
  await db.schema.createIndex('call_evaluations_question_idx').on('call_evaluations').columns(['question_id', 'call_id']).execute();

  // Received SMS of an account in keyset order, and of one of its numbers.
  await db.schema.createIndex('sms_client_time_id_idx').on('sms_messages').columns(['client_id', 'received_at', 'id']).execute();
  await db.schema.createIndex('sms_client_to_time_idx').on('sms_messages').columns(['client_id', 'to_number', 'received_at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const i of ['sms_client_to_time_idx', 'sms_client_time_id_idx', 'call_evaluations_question_idx']) await db.schema.dropIndex(i).ifExists().execute();
  await db.schema.alterTable('call_evaluations').dropColumn('answered_by').execute();
  for (const c of ['updated_at', 'archived_at', 'weight']) await db.schema.alterTable('evaluation_questions').dropColumn(c).execute();
  await db.schema.dropTable('call_notes').ifExists().execute();
}
