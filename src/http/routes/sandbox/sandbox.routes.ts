import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import type { App } from '../../../app.ts';
import { AppError } from '../../../domain/errors.ts';
import { parseNumber } from '../../../domain/phone.ts';
import { authenticateUser, basicCredentials } from '../../auth.ts';
import { AGENT_OUTCOMES, sandboxRecordingWav, SIM_OUTCOMES, type SandboxTransport } from '../../../telephony/sandbox/sandbox-carrier.ts';
import { accountsWith } from '../../../services/accounts/principal.ts';

export const SimCallIn = Type.Object(
  {
    to: Type.String({ maxLength: 40, description: 'The number called (a tracking number of your account), E.164.' }),
    from: Type.String({ maxLength: 40, description: 'The caller: E.164, or `anonymous` for a withheld number.' }),
    answer_after: Type.Optional(Type.Integer({ minimum: 0, maximum: 600, description: 'Seconds the answer point rings before answering (or the caller gives up, for caller-hangup). Default 5.' })),
    talk: Type.Optional(Type.Integer({ minimum: 0, maximum: 14400, description: 'Seconds of conversation once answered. Default 30.' })),
    outcome: Type.Optional(Type.String({ enum: SIM_OUTCOMES, description: 'What the answer point (or the caller) does. Default answered.' })),
    digits: Type.Optional(Type.String({ maxLength: 20, pattern: '^[0-9*#]*$', description: 'DTMF the caller presses at menus.' })),
    voicemail: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600, description: 'Seconds of message the caller leaves when asked. Default 0 (none).' })),
    duplicate: Type.Optional(Type.Boolean({ description: 'The carrier sends every callback twice.' })),
    late: Type.Optional(Type.Boolean({ description: 'The carrier holds status and recording callbacks back and sends them after the call, newest first.' })),
    hang_up_after: Type.Optional(Type.Integer({ minimum: 0, maximum: 14400, description: 'The caller hangs up this many seconds after the call started unless someone answered (holding in a call-centre queue, at a prompt, or while an agent rings). A caller holding in a queue gives up after 30 s when not given; holds take real time (the queue measures waits on the server’s clock), so agents can come free meanwhile.' })),
    hangs_up: Type.Optional(Type.String({ enum: ['caller', 'agent'], description: 'Who ends an answered call after the talk (call-centre reports tell COMPLETECALLER from COMPLETEAGENT). Default: the answer point.' })),
  },
  { additionalProperties: false },
);

const PhoneIn = Type.Object(
  {
    outcome: Type.String({ enum: ['answered', 'no-answer', 'busy', 'failed'], description: 'What the phone does when a call is offered to it.' }),
    answer_after: Type.Optional(Type.Integer({ minimum: 0, maximum: 600, description: 'Seconds it rings before answering (default 5).' })),
  },
  { additionalProperties: false },
);

export const SimOutboundIn = Type.Object(
  {
    agent_outcome: Type.Optional(
      Type.String({
        enum: AGENT_OUTCOMES,
        description:
          'What the agent’s phone does. answered (default): the customer is dialled next; no-answer, busy, failed: the carrier’s status callback ends the attempt as agent_no_answer, agent_busy, failed; hangup: the agent hangs up while it rings, before the customer is dialled (carrier status canceled): cancelled. An attempt whose agent never answered has no call record. (The agent hanging up after answering, while the customer rings, is `outcome: caller-hangup`.)',
      }),
    ),
    agent_answer_after: Type.Optional(Type.Integer({ minimum: 0, maximum: 600, description: 'Seconds the agent’s phone rings before they answer (or before the leg ends, for the other agent outcomes). Default 3 (no-answer: 60).' })),
    answer_after: Type.Optional(Type.Integer({ minimum: 0, maximum: 600, description: 'Seconds the customer’s phone rings before they answer. Default 5.' })),
    talk: Type.Optional(Type.Integer({ minimum: 0, maximum: 14400, description: 'Seconds of conversation once the customer answered. Default 30.' })),
    outcome: Type.Optional(Type.String({ enum: SIM_OUTCOMES, description: 'What the customer does (answered, busy, no-answer, failed; caller-hangup: the agent hangs up while it rings). Default answered.' })),
  },
  { additionalProperties: false },
);

export const SimSmsIn = Type.Object(
  {
    to: Type.String({ maxLength: 40 }),
    from: Type.String({ maxLength: 40 }),
    text: Type.String({ maxLength: 1600 }),
  },
  { additionalProperties: false },
);

/** In-process transport: the sandbox's requests go through this server's routes (signature checks included). */
export function injectTransport(fastify: FastifyInstance, publicUrl: string): SandboxTransport {
  return {
    async post(url, form, headers) {
      const path = url.startsWith(publicUrl) ? url.slice(publicUrl.length) : new URL(url).pathname + new URL(url).search;
      const res = await fastify.inject({ method: 'POST', url: path, payload: form, headers });
      return { status: res.statusCode, body: res.body };
    },
  };
}

/** The part of the app this API uses. */
export type SandboxRoutesDeps = Pick<App, 'accounts' | 'callLookup' | 'config' | 'sandbox' | 'outboundCalls'>;

/** The sandbox carrier's control surface (sandbox mode only): place calls and send SMS as a caller would. */
export async function sandboxRoutes(fastify: FastifyInstance, opts: { app: SandboxRoutesDeps }) {
  const { app } = opts;
  app.sandbox.setTransport(injectTransport(fastify, app.config.publicUrl));

  // The caller may place test traffic to the numbers of the accounts where their role grants `numbers`.
  const caller = (request: FastifyRequest) => ({ clientIds: accountsWith(request.principal!, 'numbers') });
  const reachableNumber = async (clientIds: number[], input: string, field: string) => {
    const parsed = parseNumber(input);
    if (!parsed) throw new AppError('validation_failed', `${field}: "${input}" is not a valid phone number`, [{ path: field, message: 'is not a valid phone number (use E.164)' }]);
    const owner = await app.callLookup.numberAccount(parsed.e164);
    if (owner === null || !clientIds.includes(owner)) throw new AppError('not_found', `${parsed.e164} is not a number of your account`);
    return parsed.e164;
  };

  // Call-centre agents' phones: the sandbox plays each answer point listed here by its own behaviour on every call.
  const phoneSchema = { tags: ['Sandbox'], security: [{ basicAuth: [] }] };
  fastify.get('/phones', { config: { permission: 'numbers' }, onRequest: authenticateUser(app.accounts), schema: { ...phoneSchema, summary: 'Sandbox phones', description: 'Answer points the sandbox plays by their own behaviour (agents), whatever a call’s script says.' } }, async () => ({
    phones: [...app.sandbox.phones].map(([answer_point, p]) => ({ answer_point, outcome: p.outcome, answer_after: p.answerAfterSec ?? 5 })),
  }));
  fastify.put(
    '/phones/:answer_point',
    {
      config: { permission: 'numbers', idempotent: false },
      onRequest: authenticateUser(app.accounts),
      schema: { ...phoneSchema, summary: 'Set how a sandbox phone behaves', description: 'E.g. an agent who answers after 3 s, never answers, or is busy. `answer_point` is E.164 or a sip: URI, as the agent’s.', params: Type.Object({ answer_point: Type.String({ maxLength: 200 }) }), body: PhoneIn },
    },
    async (request) => {
      const { answer_point: raw } = request.params as { answer_point: string };
      const point = raw.startsWith('sip:') ? raw : parseNumber(raw)?.e164;
      if (!point) throw new AppError('validation_failed', `answer_point: "${raw}" is not a phone number or sip: URI`, [{ path: 'answer_point', message: 'is not a phone number (E.164) or a sip: URI' }]);
      const b = request.body as Static<typeof PhoneIn>;
      app.sandbox.setPhone(point, { outcome: b.outcome as 'answered', answerAfterSec: b.answer_after });
      return { answer_point: point, outcome: b.outcome, answer_after: b.answer_after ?? 5 };
    },
  );

  fastify.post(
    '/calls',
    {
      config: { permission: 'numbers', idempotent: false },
      onRequest: authenticateUser(app.accounts),
      schema: {
        tags: ['Sandbox'],
        summary: 'Place a sandbox call to one of your numbers',
        description:
          'The sandbox carrier calls the number through the real call path (signed webhooks, TwiML, callbacks) on a virtual clock, then answers with the call record as it stands (finalized unless it waits for its grace window). Sandbox mode only.',
        security: [{ basicAuth: [] }],
        body: SimCallIn,
      },
    },
    async (request) => {
      const principal = caller(request);
      const b = request.body as Static<typeof SimCallIn>;
      const to = await reachableNumber(principal.clientIds, b.to, 'to');
      const from = /^(anonymous|private|restricted|unknown)$/i.test(b.from.trim()) ? 'anonymous' : parseNumber(b.from)?.e164;
      if (!from) throw new AppError('validation_failed', `from: "${b.from}" is not a valid phone number`, [{ path: 'from', message: 'is not a valid phone number (use E.164, or anonymous)' }]);
      const sim = await app.sandbox.placeCall({
        to,
        from,
        answerAfterSec: b.answer_after,
        talkSec: b.talk,
        outcome: b.outcome as never,
        digits: b.digits,
        voicemailSec: b.voicemail,
        duplicate: b.duplicate,
        late: b.late,
        hangUpAfterSec: b.hang_up_after,
        hangsUp: b.hangs_up as 'caller' | 'agent' | undefined,
      });
      const call = await app.callLookup.findCallByCarrierId('sandbox', sim.callSid);
      return {
        call_id: call ? Number(call.id) : null,
        unique_id: call?.unique_id ?? null,
        carrier_call_id: sim.callSid,
        state: call?.state ?? 'rejected',
        status: call?.status ?? null,
        status_code: call?.status_code ?? null,
        disposition: call?.disposition ?? null,
        duration: call?.duration ?? sim.totalSec,
        connection_duration: call?.connection_duration ?? 0,
        talk_duration: call?.talk_duration ?? 0,
        has_audio: !!call?.has_audio,
        sim: { carrier_status: sim.carrierStatus, total_sec: sim.totalSec, requests: sim.requests, trace: sim.trace, errors: sim.errors },
      };
    },
  );

  fastify.post(
    '/outbound/:id',
    {
      config: { permission: 'dial', idempotent: false },
      onRequest: authenticateUser(app.accounts),
      schema: {
        tags: ['Sandbox'],
        summary: 'Play a click-to-call: the agent’s leg (answers, or not), then the customer',
        description:
          'For an attempt of `POST /userapi/v1/calls/outbound` still ringing its agent: the sandbox carrier plays the agent leg. When the agent answers (`agent_outcome: answered`, the default) it requests the TwiML (a <Dial> of the customer from the service’s number), plays the customer’s side and sends the callbacks, then answers with the call record as it stands. Otherwise it sends the agent leg’s signed status callback (no-answer, busy, failed, canceled), which ends the attempt without a call record (`call_id: null`, `outbound_status` the attempt’s final status). An attempt no longer ringing its agent: 409. Sandbox mode only.',
        security: [{ basicAuth: [] }],
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] },
        body: SimOutboundIn,
      },
    },
    async (request) => {
      // The attempts of the accounts where the caller may place calls.
      const oc = await app.outboundCalls.get(accountsWith(request.principal!, 'dial'), (request.params as { id: string }).id);
      if (oc.status !== 'dialling_agent') throw new AppError('conflict', `outbound call ${oc.id} is ${oc.status}: it no longer rings its agent`);
      const b = request.body as Static<typeof SimOutboundIn>;
      const sim = await app.sandbox.placeOutbound(
        {
          answeredUrl: app.outboundCalls.answeredUrl(oc.id),
          statusCallbackUrl: app.outboundCalls.answeredUrl(oc.id),
          from: oc.tracking_number,
          agent: oc.agent_number,
          agentAnswerAfterSec: b.agent_answer_after,
          agentOutcome: b.agent_outcome as never,
        },
        { answerAfterSec: b.answer_after, talkSec: b.talk, outcome: b.outcome as never },
      );
      const call = await app.callLookup.findCallByCarrierId('sandbox', sim.callSid);
      const after = await app.outboundCalls.get([Number(oc.client_id)], oc.id);
      return {
        outbound_id: oc.id,
        outbound_status: after.status,
        call_id: call ? Number(call.id) : null,
        carrier_call_id: sim.callSid,
        direction: call?.direction ?? null,
        state: call?.state ?? 'rejected',
        status: call?.status ?? null,
        status_code: call?.status_code ?? null,
        disposition: call?.disposition ?? null,
        duration: call?.duration ?? sim.totalSec,
        talk_duration: call?.talk_duration ?? 0,
        sim: { carrier_status: sim.carrierStatus, total_sec: sim.totalSec, requests: sim.requests, trace: sim.trace, errors: sim.errors },
      };
    },
  );

  fastify.post(
    '/sms',
    {
      config: { permission: 'numbers', idempotent: false },
      onRequest: authenticateUser(app.accounts),
      schema: {
        tags: ['Sandbox'],
        summary: 'Send a sandbox SMS to one of your numbers',
        description: 'The sandbox carrier delivers the SMS through the real webhook; the answer says whether it was stored. Sandbox mode only.',
        security: [{ basicAuth: [] }],
        body: SimSmsIn,
      },
    },
    async (request) => {
      const principal = caller(request);
      const b = request.body as Static<typeof SimSmsIn>;
      const to = await reachableNumber(principal.clientIds, b.to, 'to');
      const from = parseNumber(b.from)?.e164;
      if (!from) throw new AppError('validation_failed', `from: "${b.from}" is not a valid phone number`, [{ path: 'from', message: 'is not a valid phone number (use E.164)' }]);
      const sent = await app.sandbox.sendSms({ to, from, text: b.text });
      const sms = await app.callLookup.findSms('sandbox', sent.messageSid);
      return { message_id: sent.messageSid, sms_id: sms?.id ?? null, stored: !!sms, status: sent.status };
    },
  );

  fastify.get(
    '/recordings/:sid',
    {
      schema: {
        tags: ['Sandbox'],
        summary: 'Recording media served by the sandbox carrier (WAV)',
        description: 'What a carrier’s RecordingUrl serves; HTTP Basic with the carrier account SID and auth token, as at the carrier.',
        params: { type: 'object', properties: { sid: { type: 'string', maxLength: 64 } }, required: ['sid'] },
      },
    },
    async (request, reply) => {
      const { username, password } = basicCredentials(request);
      if (username !== app.config.twilioAccountSid || password !== app.config.twilioAuthToken) throw new AppError('unauthorized', 'carrier credentials are required');
      const wav = sandboxRecordingWav((request.params as { sid: string }).sid.replace(/\.wav$/, ''));
      if (!wav) throw new AppError('not_found', 'no such recording');
      return reply.type('audio/wav').send(wav);
    },
  );
}
