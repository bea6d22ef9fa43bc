import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql } from 'kysely';
import { DIALECTS } from '../../../test/support/dialects.ts';
import { MIGRATIONS, migrate, openStorage } from '../database.ts';
import * as repo from '../calls/telephony.repository.ts';

const event = (i: number, kind = 'leg.ended') => ({
  id: `cev_${i}`, carrier: 'sandbox', carrier_call_id: 'CAmig', kind, dedupe_key: `k${i}`, occurred_at: `2026-01-01T00:00:0${i}.000Z`, received_at: '2026-01-01T00:00:09.000Z', data: JSON.stringify({ kind, n: i }), raw_id: null,
});

for (const dialect of DIALECTS) {
  describe(`migration 006-hot-path on a database with calls in flight (${dialect.name})`, { skip: dialect.skip }, () => {
    it('keeps every event and session, their identity rules, and drops the redundant calls index', async () => {
      const d = await dialect.fresh();
      const storage = openStorage({ databaseUrl: d.databaseUrl, dataDir: d.dataDir });
      try {
        const migrator = new Migrator({ db: storage.db, provider: { getMigrations: async () => MIGRATIONS } });
        const to005 = await migrator.migrateTo('005-reporting');
        assert.equal(to005.error, undefined);
        for (let i = 1; i <= 3; i++) assert.equal(await repo.insertEvent(storage.db, event(i)), true);
        await repo.insertSession(storage.db, { call_id: 41, carrier: 'sandbox', carrier_call_id: 'CAmig', plan: '{"p":1}', test_call_id: null, finalize_after: '2026-01-01T04:00:00.000Z', finalized: 0 });
        const to006 = await migrator.migrateTo('006-hot-path');
        assert.equal(to006.error, undefined);
        assert.deepEqual(to006.results?.map((r) => r.migrationName), ['006-hot-path']);
        await migrate(storage);

        const events = await repo.eventsOfCall(storage.db, 'sandbox', 'CAmig');
        assert.deepEqual(events.map((e) => JSON.parse(e.data).n).sort(), [1, 2, 3]);
        // Idempotent ingestion still holds: the same identity is not stored twice, a new one is.
        assert.equal(await repo.insertEvent(storage.db, { ...event(2), id: 'cev_dup' }), false);
        assert.equal(await repo.insertEvent(storage.db, event(4, 'call.ended')), true);
        assert.equal(await repo.hasEvents(storage.db, 'sandbox', 'CAmig'), true);

        const session = await repo.findSession(storage.db, storage.dialect, 'sandbox', 'CAmig');
        assert.equal(Number(session?.call_id), 41);
        assert.equal(session?.plan, '{"p":1}');
        assert.equal(await repo.claimFinalization(storage.db, 41), true);
        assert.equal(await repo.claimFinalization(storage.db, 41), false);
        await assert.rejects(
          repo.insertSession(storage.db, { call_id: 42, carrier: 'sandbox', carrier_call_id: 'CAmig', plan: '{}', test_call_id: null, finalize_after: 'x', finalized: 0 }),
          'one session per carrier call',
        );

        const indexes =
          storage.dialect === 'sqlite'
            ? (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'calls'`.execute(storage.db)).rows
            : (await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'calls'`.execute(storage.db)).rows;
        const names = indexes.map((r) => r.name);
        assert.ok(!names.includes('calls_client_time_idx'));
        // 005's (client_id, started_at, id, state, updated_at) still serves what 006 dropped; 021 replaced it with a wider index of the same prefix.
        assert.ok(names.includes('calls_client_time_report_idx'));
        assert.ok(!names.includes('calls_client_time_updated_idx'));
        if (storage.dialect === 'sqlite') {
          // The session's call id is the rowid; the events are one clustered tree.
          const row = (await sql<{ r: number }>`select rowid as r from call_sessions where call_id = 41`.execute(storage.db)).rows[0];
          assert.equal(Number(row.r), 41);
          const ddl = (await sql<{ sql: string }>`select sql from sqlite_master where name = 'call_events'`.execute(storage.db)).rows[0].sql;
          assert.match(ddl, /without rowid/i);
        }
      } finally {
        await storage.close();
        await d.drop();
      }
    });
  });
}
