import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql } from 'kysely';
import { DIALECTS } from '../../../test/support/dialects.ts';
import { MIGRATIONS, migrate, openStorage, type Storage } from '../database.ts';

async function callIndexes(storage: Storage): Promise<Map<string, string>> {
  const rows =
    storage.dialect === 'sqlite'
      ? (await sql<{ name: string; def: string }>`select name, sql as def from sqlite_master where type = 'index' and tbl_name = 'calls' and sql is not null`.execute(storage.db)).rows
      : (await sql<{ name: string; def: string }>`select indexname as name, indexdef as def from pg_indexes where tablename = 'calls'`.execute(storage.db)).rows;
  return new Map(rows.map((r) => [r.name, r.def.replace(/["\s]/g, '').toLowerCase()]));
}

for (const dialect of DIALECTS) {
  describe(`migration 021-call-log-report-indexes (${dialect.name})`, { skip: dialect.skip }, () => {
    it('replaces the (client_id, started_at, id, state, updated_at) index with a wider one of the same prefix, adds the direction index, and goes back down', async () => {
      const d = await dialect.fresh();
      const storage = openStorage({ databaseUrl: d.databaseUrl, dataDir: d.dataDir });
      try {
        await migrate(storage);
        const up = await callIndexes(storage);
        assert.ok(!up.has('calls_client_time_updated_idx'));
        assert.match(up.get('calls_client_time_report_idx') ?? '', /\(client_id,started_at,id,state,updated_at,status_code,direction,has_audio,is_test,duration,talk_duration,tracking_number,custom_group\)/);
        assert.match(up.get('calls_client_direction_time_idx') ?? '', /\(client_id,direction,started_at,id\)/);

        const migrator = new Migrator({ db: storage.db, provider: { getMigrations: async () => MIGRATIONS } });
        const down = await migrator.migrateTo('020-outbound-expiry');
        assert.equal(down.error, undefined);
        const back = await callIndexes(storage);
        assert.ok(!back.has('calls_client_time_report_idx'));
        assert.ok(!back.has('calls_client_direction_time_idx'));
        assert.match(back.get('calls_client_time_updated_idx') ?? '', /\(client_id,started_at,id,state,updated_at\)/);
        await migrate(storage);
        assert.ok((await callIndexes(storage)).has('calls_client_time_report_idx'));
      } finally {
        await storage.close();
        await d.drop();
      }
    });
  });
}
