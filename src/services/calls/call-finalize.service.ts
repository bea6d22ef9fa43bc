import type { Logger } from 'pino';
import type { Clock } from '../../domain/clock.ts';
import { newToken } from '../../domain/ids.ts';
import { feedLineColumns } from '../../domain/report/feed-line.ts';
import { articSummaryOf } from '../../storage/artic/queue.repository.ts';
import { reduceCall, type StoredEvent } from '../../telephony/call-record.ts';
import type { Executor, Storage } from '../../storage/database.ts';
import type { CallRow, CallSessionRow } from '../../storage/calls/telephony.repository.ts';
import type { CallConsumers } from './call-consumers.ts';
import { sessionPlan } from './session-plan.ts';

/**
 * Finalization: a call's record is derived again from its events whenever they change, and the call is finalized
 * exactly once — when nothing more is awaited, or when its grace window has passed — handing it to the consumers
 * (callbacks, notifications) in the same transaction.
 */
export class CallFinalizer {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly consumers: CallConsumers,
    private readonly opts: {
      publicUrl: string;
      graceSeconds: number;
      log: Pick<Logger, 'info'>;
      /** Decides the call's `dni` (DNI attribution) at finalization, before the consumers run; null leaves it. */
      attribution?: { dniOf(tx: Executor, call: CallRow): Promise<string | null> };
      /** Ends a call-centre queue call still open when its call is finalized without the carrier's end (the queue engine). */
      queue?: { callEnded(tx: Executor, carrier: string, carrierCallId: string): Promise<void> };
    },
  ) {}

  /**
   * Re-derives the call record from its events and finalizes it when nothing more is awaited (or `forced`, when the
   * grace window has passed). Runs inside the caller's transaction; finalization happens exactly once.
   */
  async recompute(tx: Executor, callId: number, forced = false, known?: CallSessionRow): Promise<void> {
    const st = this.storage.repos.telephony.callStore(tx);
    const session = known ?? (await st.findSessionByCallId(callId));
    if (!session) return;
    // Late data for a finalized call (a recording copied after the grace window): the record follows it, derived as
    // finalization derived it; finalization itself, and the callbacks hung on it, stay once.
    const late = !!session.finalized;
    if (late) forced = true;
    const call = await st.findCall(callId);
    if (!call) return;
    const sp = sessionPlan(session.plan);
    // The carrier's end never came (the grace window passed): a caller still in a queue is gone now (ABANDON).
    if (forced && !late && sp.plan.serviceType === 'queue') await this.opts.queue?.callEnded(tx, session.carrier, session.carrier_call_id);
    const [events, recs] = await Promise.all([st.eventsOfCall(session.carrier, session.carrier_call_id), st.recordingsOfCall(session.carrier, session.carrier_call_id)]);
    const stored: StoredEvent[] = events.filter((e) => e.kind !== 'call.noise').map((e) => ({ occurredAt: e.occurred_at, body: JSON.parse(e.data) }));
    const r = reduceCall(
      {
        plan: sp.plan,
        startedAt: call.started_at,
        events: stored,
        recordings: recs.map((x) => ({ carrierRecordingId: x.carrier_recording_id, kind: x.kind as 'voicemail' | 'call', status: x.status, duration: x.duration, path: x.path })),
        service: { targetNumber: sp.target.number, targetName: sp.target.name },
        artic: sp.plan.serviceType === 'queue' ? await articSummaryOf(tx, session.carrier, session.carrier_call_id) : null,
      },
      forced,
    );
    const now = this.clock.now();
    const { complete, waitingFor: _w, ...fields } = r;
    // Only the columns that changed: an UPDATE rewrites the entries of every index on a column it sets.
    const patch: Partial<CallRow> = {};
    const current = call as Record<string, unknown>;
    for (const [k, v] of Object.entries(fields)) if (current[k] !== v) (patch as Record<string, unknown>)[k] = v;
    if (r.has_audio && !call.audio_token) patch.audio_token = newToken(24);
    if (late) {
      delete patch.state;
      if (Object.keys(patch).length) {
        const changes = Object.keys(patch);
        patch.updated_at = now.toISOString();
        // The stored CSV feed line follows the row (written by the same UPDATE; migration 009's trigger would clear it).
        Object.assign(patch, feedLineColumns({ ...call, ...patch }, this.opts.publicUrl));
        await st.updateCall(callId, patch);
        this.opts.log.info({ call: callId, fields: Object.keys(patch) }, 'finalized call updated by late data');
        await this.consumers.callUpdated(tx, { ...call, ...patch } as CallRow, changes);
      }
      return;
    }
    if ((complete || forced) && r.state === 'ended' && (await st.claimFinalization(callId))) {
      patch.state = 'finalized';
      patch.finalized_at = now.toISOString();
      patch.updated_at = now.toISOString();
      const dni = this.opts.attribution ? await this.opts.attribution.dniOf(tx, { ...call, ...patch } as CallRow) : null;
      if (dni !== null) patch.dni = dni;
      // The call's CSV feed line, stored by the finalizing UPDATE itself (issue #5: feeds copy it instead of formatting).
      Object.assign(patch, feedLineColumns({ ...call, ...patch }, this.opts.publicUrl));
      await st.updateCall(callId, patch);
      const row = { ...call, ...patch } as CallRow;
      await this.consumers.callFinalized(tx, row);
      if (session.test_call_id) await this.completeTestCall(tx, session.test_call_id, row);
      return;
    }
    // Nothing the events say has changed (e.g. a leg status that only repeats the dial action): no write.
    if (Object.keys(patch).length) {
      patch.updated_at = now.toISOString();
      await st.updateCall(callId, patch);
    }
    if (r.state === 'ended') {
      const graceEnd = new Date(now.getTime() + this.opts.graceSeconds * 1000).toISOString();
      if (graceEnd < session.finalize_after) await st.updateSession(callId, { finalize_after: graceEnd });
    }
  }

  private async completeTestCall(tx: Executor, testCallId: string, call: CallRow): Promise<void> {
    const passed = call.status_code !== null && call.status_code !== 3;
    await this.storage.repos.telephony.updateTestCall(tx, testCallId, {
      status: passed ? 'passed' : 'failed',
      call_id: call.id,
      result: JSON.stringify({ call_id: call.id, status_code: call.status_code, status: call.status, disposition: call.disposition, duration: call.duration }),
      lease_until: null,
      updated_at: this.clock.now().toISOString(),
    });
  }

  /** Finalizes calls whose grace window has passed without everything they waited for; returns how many. */
  async finalizeDue(limit = 50): Promise<number> {
    const due = await this.storage.repos.telephony.dueSessions(this.storage.db, this.clock.now().toISOString(), limit);
    for (const s of due) {
      await this.storage.tx(async (tx) => {
        const session = await this.storage.repos.telephony.findSessionByCallId(tx, Number(s.call_id));
        if (!session || session.finalized) return;
        await this.recompute(tx, Number(s.call_id), true);
      });
    }
    return due.length;
  }
}
