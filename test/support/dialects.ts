import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';

export interface DialectCase {
  name: 'sqlite' | 'postgres';
  /** Skip reason when the dialect cannot run here (reported by node:test, never silent). */
  skip: string | false;
  /** A fresh, empty database: `databaseUrl` (null for SQLite) and `dataDir`; `drop` removes it. */
  fresh(): Promise<{ databaseUrl: string | null; dataDir: string; drop(): Promise<void> }>;
}

const PG_URL = process.env.TT_TEST_POSTGRES_URL;

/** Every storage and API integration test runs once per entry. PostgreSQL runs when TT_TEST_POSTGRES_URL is set. */
export const DIALECTS: DialectCase[] = [
  {
    name: 'sqlite',
    skip: false,
    async fresh() {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-test-'));
      return { databaseUrl: null, dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    skip: PG_URL ? false : 'TT_TEST_POSTGRES_URL is not set: PostgreSQL runs skipped',
    async fresh() {
      // One database per test run, so test files can run side by side.
      const name = `tt_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(PG_URL!);
      url.pathname = `/${name}`;
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tt-test-'));
      return {
        databaseUrl: url.toString(),
        dataDir,
        async drop() {
          const c = new pg.Client({ connectionString: PG_URL });
          await c.connect();
          await c.query(`drop database if exists ${name} with (force)`);
          await c.end();
          fs.rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
];
