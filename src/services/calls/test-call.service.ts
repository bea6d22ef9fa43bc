import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.ts';
import { newId } from '../../domain/ids.ts';
import type { Executor, Storage } from '../../storage/database.ts';
import * as accounts from '../../storage/accounts/account.repository.ts';
import * as repo from '../../storage/calls/telephony.repository.ts';
import type { ServiceRow } from '../../storage/telco/service.repository.ts';
import type { SandboxCarrier } from '../../telephony/sandbox/sandbox-carrier.ts';
import { PROBE_NUMBER } from '../../domain/calls/call-row.ts';

const LEASE_MS = 120_000;
const MAX_ATTEMPTS = 3;

/**
 * The Telco API's automatic test call: queued in the transaction that puts a service live (when the account has
 * the option on), then placed by a worker through the real call path from the probe number; the inbound leg is
 * recognised as the test (probe caller, running test call for that number, 120 s window) and flagged is_test.
 */
export class TestCallService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly sandbox: SandboxCarrier,
    private readonly log: Pick<Logger, 'info' | 'warn' | 'error'>,
  ) {}

  private readonly listeners = new Set<() => void>();

  onQueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** TelcoService's onServiceLive: queues a test call when the account asks for one (inside that transaction). */
  async serviceLive(tx: Executor, svc: ServiceRow): Promise<void> {
    const account = await accounts.findAccount(tx, Number(svc.client_id));
    if (account?.auto_test_call !== 1) return;
    const now = this.clock.now().toISOString();
    await repo.insertTestCall(tx, {
      id: newId('tst', this.clock.now().getTime()),
      client_id: Number(svc.client_id),
      service_id: svc.id,
      number: svc.number,
      status: 'pending',
      call_id: null,
      result: null,
      attempts: 0,
      run_after: now,
      lease_until: null,
      started_at: null,
      created_at: now,
      updated_at: now,
    });
    queueMicrotask(() => this.listeners.forEach((l) => l()));
  }

  /** Places due test calls; returns how many were handled. */
  async runDue(limit = 5): Promise<number> {
    const now = this.clock.now();
    const claimed = await this.storage.tx((tx) => this.storage.repos.telephony.claimTestCalls(tx, now.toISOString(), new Date(now.getTime() + LEASE_MS).toISOString(), limit));
    for (const t of claimed) await this.run(t);
    return claimed.length;
  }

  private async run(t: repo.TestCallRow): Promise<void> {
    let sim: Awaited<ReturnType<SandboxCarrier['placeCall']>> | null = null;
    let error: string | null = null;
    try {
      // A caller who waits, talks briefly, presses 1 at a menu and leaves a short message when asked.
      sim = await this.sandbox.placeCall({ to: t.number, from: PROBE_NUMBER, outcome: 'answered', answerAfterSec: 2, talkSec: 5, digits: '1', voicemailSec: 5 });
      if (sim.errors.length) error = sim.errors.join('; ');
    } catch (err) {
      error = (err as Error).message;
    }
    const now = this.clock.now().toISOString();
    await this.storage.tx(async (tx) => {
      const row = await repo.findTestCall(tx, t.id);
      if (!row || row.status !== 'running') return; // finalized (passed/failed) during the call
      if (row.call_id !== null && !error) {
        // Placed and recognised; the call's finalization decides pass or fail.
        await repo.updateTestCall(tx, t.id, { status: 'waiting', lease_until: null, updated_at: now });
        return;
      }
      const retry = row.attempts < MAX_ATTEMPTS && row.call_id === null;
      this.log.warn({ testCall: t.id, error, retry }, 'automatic test call did not reach the call path');
      await repo.updateTestCall(tx, t.id, {
        status: retry ? 'pending' : 'failed',
        run_after: new Date(Date.parse(now) + 30_000 * row.attempts).toISOString(),
        lease_until: null,
        result: JSON.stringify({ error: error ?? 'the inbound call was not recognised as the test call', trace: sim?.trace ?? [] }),
        updated_at: now,
      });
    });
  }

  async get(id: string) {
    return repo.findTestCall(this.storage.db, id);
  }

  async ofService(serviceId: string) {
    return this.storage.repos.telephony.listTestCallsOfService(this.storage.db, serviceId);
  }
}
