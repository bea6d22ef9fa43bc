import type SQLite from 'better-sqlite3';
import type { Dialect, Executor } from './database.ts';
import * as numbers from './inventory/number.repository.ts';
import * as requests from './telco/request.repository.ts';
import * as deliveries from './delivery/delivery.repository.ts';
import * as reports from './reporting/report.repository.ts';
import * as telephony from './calls/telephony.repository.ts';
import * as services from './telco/service.repository.ts';
import * as dni from './dni/dni.repository.ts';

/**
 * The repositories whose SQL differs by dialect (row locks on PostgreSQL, the committed hot path on SQLite), bound
 * once when the storage is opened, so no service ever sees the dialect. Each keeps every function of its module.
 */
export function createRepositories(dialect: Dialect, sqlite?: SQLite.Database) {
  return {
    services,
    numbers: {
      ...numbers,
      reserveOne: (db: Executor, q: numbers.StockQuery, requestId: string, now: string) => numbers.reserveOne(db, dialect, q, requestId, now),
    },
    requests: {
      ...requests,
      claimDueRequests: (db: Executor, now: string, leaseUntil: string, limit: number) => requests.claimDueRequests(db, dialect, now, leaseUntil, limit),
    },
    deliveries: {
      ...deliveries,
      claimDueDeliveries: (db: Executor, now: string, leaseUntil: string, limit: number, owner: string) => deliveries.claimDueDeliveries(db, dialect, now, leaseUntil, limit, owner),
    },
    reports: {
      ...reports,
      summaryPeriods: (db: Executor, clientId: number, f: reports.CallFilter, key: reports.SummaryKey, bounds: string[]) => reports.summaryPeriods(db, dialect, clientId, f, key, bounds),
      listCalls: (db: Executor, clientId: number, f: reports.CallFilter, opts: Parameters<typeof reports.listCalls>[3]) => reports.listCalls(db, clientId, f, opts, dialect),
    },
    telephony: {
      ...telephony,
      findSession: (db: Executor, carrier: string, carrierCallId: string) => telephony.findSession(db, dialect, carrier, carrierCallId),
      findSessionByCallId: (db: Executor, callId: number) => telephony.findSessionByCallId(db, dialect, callId),
      claimTestCalls: (db: Executor, now: string, leaseUntil: string, limit: number) => telephony.claimTestCalls(db, dialect, now, leaseUntil, limit),
      callStore: (tx: Executor) => telephony.callStore(tx, dialect, sqlite),
    },
    dni: {
      ...dni,
      claimFreeNumber: (db: Executor, trackingCodeId: string, t: dni.LeaseTimes) => dni.claimFreeNumber(db, dialect, trackingCodeId, t),
      leaseStore: (tx: Executor) => dni.leaseStore(tx, dialect, sqlite),
      /** Whether each lease-store call is one atomic statement (PostgreSQL), so it needs no transaction around it. */
      singleStatement: dialect === 'postgres',
    },
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
