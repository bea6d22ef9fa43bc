import type { Clock } from '../../domain/clock.ts';
import { AppError, fieldError } from '../../domain/errors.ts';
import { newId } from '../../domain/ids.ts';
import { parseNumber } from '../../domain/phone.ts';
import type { Storage } from '../../storage/database.ts';
import { OUTBOUND_EXPIRY_MARGIN_SEC, outboundExpiresAt } from '../../domain/calls/outbound-status.ts';
import { endPendingOutboundCall, findOutboundCall, insertOutboundCall, pendingOutboundCalls, type OutboundCallRow } from '../../storage/calls/outbound.repository.ts';
import { findAnswerPoint } from '../../storage/telco/answer-point.repository.ts';
import type { AuditActor, AuditLog } from '../accounts/audit.service.ts';

/**
 * The carrier's side of click-to-call: ring the agent from the service's number and, once they answer, request
 * `answeredUrl` for the TwiML that dials the customer; the leg's status callback goes to `statusCallbackUrl` (the
 * same signed carrier webhook: a final `CallStatus` before any answer ends the attempt). The sandbox carrier
 * implements it (the agent's side is played by `POST /sandbox/v1/outbound/{id}`); a real carrier's REST client comes
 * with the carrier issue.
 */
export interface AgentLegDialer {
  ringAgent(leg: { id: string; from: string; to: string; answeredUrl: string; statusCallbackUrl: string }): Promise<void>;
}

export interface OutboundIn {
  service_id: string;
  customer_number: string;
  agent_number?: string;
  answer_point_id?: string;
}

export function outboundOut(r: OutboundCallRow) {
  return {
    id: r.id,
    status: r.status,
    service_id: r.service_id,
    tracking_number: r.tracking_number,
    agent_number: r.agent_number,
    customer_number: r.customer_number,
    answer_point_id: r.answer_point_id,
    call_id: r.call_id === null ? null : Number(r.call_id),
    created_at: r.created_at,
    updated_at: r.updated_at,
    ended_at: r.ended_at ?? null,
  };
}

/**
 * Click-to-call: the carrier rings the agent (given, a named answer point, or the service's own answer point) first,
 * then the customer, showing the service's number; the call is tracked as `direction: call-out` and finalized and
 * delivered like any call (`CallIngestService.outbound` opens it when the agent answers).
 */
export class OutboundCallService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly dialer: AgentLegDialer | null,
    private readonly audit: AuditLog,
    private readonly opts: { publicUrl: string; mode: 'sandbox' | 'production' },
  ) {}

  async start(clientId: number, actor: AuditActor, input: OutboundIn) {
    const customer = parseNumber(input.customer_number);
    if (!customer) throw fieldError('customer_number', `"${input.customer_number}" is not a valid phone number (use E.164, e.g. +61290088888)`);
    if (input.agent_number !== undefined && input.answer_point_id !== undefined) throw fieldError('agent_number', 'give agent_number or answer_point_id, not both');
    let agent: string | null = null;
    if (input.agent_number !== undefined) {
      agent = parseNumber(input.agent_number)?.e164 ?? null;
      if (!agent) throw fieldError('agent_number', `"${input.agent_number}" is not a valid phone number (use E.164, e.g. +61290088888)`);
    }
    const svc = await this.storage.repos.services.findService(this.storage.db, clientId, input.service_id);
    if (!svc) throw new AppError('not_found', `service ${input.service_id} does not exist`);
    if (svc.status !== 'live') throw new AppError('conflict', `service ${svc.id} is ${svc.status}, not live: it cannot place calls`);
    if (input.answer_point_id !== undefined) {
      const ap = await findAnswerPoint(this.storage.db, clientId, input.answer_point_id);
      if (!ap) throw fieldError('answer_point_id', `${input.answer_point_id} is not an answer point of this account`);
      agent = ap.number;
    }
    agent ??= svc.target_number;
    if (!agent) throw fieldError('agent_number', `service ${svc.id} has no answer point: give agent_number or answer_point_id`);
    if (agent === customer.e164) throw fieldError('customer_number', 'is the agent’s own number');
    if (!this.dialer) {
      throw new AppError(
        'unprocessable',
        'click-to-call needs a carrier that can start the agent leg (a carrier REST client); none is configured in production mode yet (it comes with the carrier integration). The sandbox carrier supports it (TT_MODE=sandbox).',
      );
    }
    const now = this.clock.now().toISOString();
    const row: OutboundCallRow = {
      id: newId('oc'),
      client_id: clientId,
      service_id: svc.id,
      tracking_number: svc.number,
      agent_number: agent,
      customer_number: customer.e164,
      answer_point_id: input.answer_point_id ?? (input.agent_number === undefined ? (svc.answer_point_id ?? null) : null),
      user_id: actor.userId,
      status: 'dialling_agent',
      carrier: this.opts.mode === 'sandbox' ? 'sandbox' : null,
      carrier_call_id: null,
      call_id: null,
      created_at: now,
      updated_at: now,
      ended_at: null,
    };
    await this.storage.tx(async (tx) => {
      await insertOutboundCall(tx, row);
      await this.audit.record(tx, { clientId, actor, action: 'call.dial', target: row.id, detail: { service_id: svc.id, agent_number: agent, customer_number: customer.e164 } });
    });
    await this.dialer.ringAgent({ id: row.id, from: svc.number, to: agent, answeredUrl: this.answeredUrl(row.id), statusCallbackUrl: this.answeredUrl(row.id) });
    return row;
  }

  /** One click-to-call attempt of these accounts (404 otherwise). */
  async get(clientIds: number[], id: string): Promise<OutboundCallRow> {
    const r = await findOutboundCall(this.storage.db, id);
    if (!r || !clientIds.includes(Number(r.client_id))) throw new AppError('not_found', `outbound call ${id} does not exist`);
    return r;
  }

  /**
   * The periodic sweep: attempts still ringing their agent after the answer point's ring timeout (default 60 s) plus
   * a 60 s margin are ended as `expired` (the carrier's status callback never came). Answers how many.
   */
  async expireDue(): Promise<number> {
    const now = this.clock.now();
    const before = new Date(now.getTime() - OUTBOUND_EXPIRY_MARGIN_SEC * 1000).toISOString();
    const rows = await pendingOutboundCalls(this.storage.db, before, 1000);
    let n = 0;
    for (const r of rows) {
      if (outboundExpiresAt(r.created_at, r.ring_timeout === null ? null : Number(r.ring_timeout)) > now.toISOString()) continue;
      if (await endPendingOutboundCall(this.storage.db, r.id, { status: 'expired', ended_at: now.toISOString() })) n++;
    }
    return n;
  }

  /** Where the carrier asks for the call's TwiML once the agent answered, and sends the agent leg's status callback. */
  answeredUrl(id: string): string {
    return `${this.opts.publicUrl}/carrier/twilio/outbound?call=${encodeURIComponent(id)}`;
  }
}
