import type { Kysely } from 'kysely';

/**
 * Click-to-call attempts end: `ended_at` (when an attempt whose agent never answered got its final status) and an
 * index for the sweep that expires attempts still ringing their agent.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbound_calls').addColumn('ended_at', 'text').execute();
  await db.schema.createIndex('outbound_calls_pending').on('outbound_calls').columns(['status', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('outbound_calls_pending').execute();
  await db.schema.alterTable('outbound_calls').dropColumn('ended_at').execute();
}
