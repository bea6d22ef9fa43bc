import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { SecretCodec } from '../../domain/accounts/secret-box.ts';
import type { Storage } from '../database.ts';
import * as m001 from './001-initial.ts';
import * as m002 from './002-calls.ts';
import * as m003 from './003-telephony.ts';
import * as m004 from './004-delivery.ts';
import * as m005 from './005-reporting.ts';
import * as m006 from './006-hot-path.ts';
import * as m007 from './007-sftp-host-key.ts';
import * as m008 from './008-rate-limits.ts';
import * as m009 from './009-feed-lines.ts';
import * as m010 from './010-auth-throttle.ts';
import * as m011 from './011-secrets-at-rest.ts';
import * as m012 from './012-carrier-request-replays.ts';
import * as m013 from './013-audit-log.ts';
import * as m014 from './014-idempotency-keys.ts';
import * as m015 from './015-userapi-identity.ts';
import * as m016 from './016-call-work.ts';
import * as m017 from './017-subscriptions.ts';
import * as m018 from './018-dni.ts';
import * as m020 from './020-outbound-expiry.ts';
import * as m021 from './021-call-log-report-indexes.ts';
import * as m022 from './022-artic.ts';

/** Every migration, by name, in order. */
export const MIGRATIONS: Record<string, Migration> = {
  '001-initial': m001,
  '002-calls': m002,
  '003-telephony': m003,
  '004-delivery': m004,
  '005-reporting': m005,
  '006-hot-path': m006,
  '007-sftp-host-key': m007,
  '008-rate-limits': m008,
  '009-feed-lines': m009,
  '010-auth-throttle': m010,
  '011-secrets-at-rest': m011,
  '012-carrier-request-replays': m012,
  '013-audit-log': m013,
  '014-idempotency-keys': m014,
  '015-userapi-identity': m015,
  '016-call-work': m016,
  '017-subscriptions': m017,
  '018-dni': m018,
  '020-outbound-expiry': m020,
  '021-call-log-report-indexes': m021,
  '022-artic': m022,
};

class StaticMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/** Brings the schema to the latest migration; safe to run from several processes (PostgreSQL uses an advisory lock). */
export async function migrate(storage: Storage, opts: { secrets?: SecretCodec } = {}): Promise<string[]> {
  const migrator = new Migrator({ db: storage.db, provider: new StaticMigrations() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  // Migration 011: secrets stored in clear by earlier versions (or before TT_SECRET_KEY was set) are sealed now.
  if (opts.secrets) await m011.sealPlaintextSecrets(storage.db, opts.secrets);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
