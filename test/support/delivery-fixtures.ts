import { randomBytes } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { App } from '../../src/app.ts';
import { newId } from '../../src/domain/ids.ts';
import { newCallRecord } from '../../src/domain/calls/call-row.ts';
import type { CallRow, SmsRow } from '../../src/services/calls/call-consumers.ts';
import type { CallTable, ServiceTable, SmsMessageTable } from '../../src/storage/schema.ts';

/** The seed's "HTTP Callback: Full Parameter List", typed out from the document (not from our code). */
export const SEED_TAGS = [
  'clientid', 'callid', 'callstatus', 'callcode', 'uniqueid', 'adname', 'bnum', 'duration', 'unixtime', 'tzdate', 'calldate', 'ucalldate',
  'ani', 'target', 'clocation', 'cstate', 'ccountry', 'targetname', 'label',
  'cd_cp01', 'feat01', 'cd_cp02', 'feat02', 'cd_cp03', 'feat03', 'cd_cp04', 'feat04', 'cd_cp05', 'feat05',
  'cd_cp06', 'feat06', 'cd_cp07', 'feat07', 'cd_cp08', 'feat08', 'cd_cp09', 'feat09', 'cd_cp10', 'feat10',
  'ivr', 'dl:url', 'dl:source', 'dl:medium', 'dl:term', 'dl:campaign', 'dl:location', 'dl:state', 'dl:country',
  'web:usercode', 'web:sessioncode', 'web:gclid', 'audio',
  'aparty:e164', 'aparty:state', 'aparty:country', 'bparty:e164', 'cparty:e164', 'cparty:country',
  'call:disposition', 'call:utcdate', 'call:direction',
  'sentiment:score', 'sentiment:agent', 'sentiment:caller', 'sentiment:talkMost', 'sentiment:communication', 'sentiment:conduct',
  'sentiment:politeness', 'sentiment:highRisk', 'sentiment:badAttitude', 'sentiment:slangUsed', 'sentiment:profanityUsed',
];

/**
 * Fixtures for the delivery engine's tests: a live service, and calls / SMS finalized the way the call path does it
 * (the row written and `callHooks` run inside one transaction). Named apart from other areas' call factories.
 */

/**
 * Numbers for fixture services: +6129109xxxx, counted up per process. The tests' fixed numbers (+6129100xxxx, also
 * `sydneyNumbers`) are in another block, so a fixture never takes a number a test uses and trips the live-number index.
 */
let fixtureNumbers = 0;
export function nextDeliveryNumber(): string {
  if (fixtureNumbers >= 10_000) throw new Error('delivery fixtures: the +6129109xxxx block is spent');
  return `+6129109${String(fixtureNumbers++).padStart(4, '0')}`;
}

/** Inserts a live service for an account (numbers need not be in stock for the delivery engine). */
export async function deliveryService(app: App, clientId: number, fields: Partial<ServiceTable> = {}): Promise<ServiceTable> {
  const now = app.clock.now().toISOString();
  const row: ServiceTable = {
    id: newId('svc', app.clock.now().getTime()),
    client_id: clientId,
    number: fields.number ?? nextDeliveryNumber(),
    type: 'transfer',
    status: 'live',
    name: 'Spring Sale Radio',
    target_number: '+61289995916',
    target_name: 'Sydney Office',
    prompt_url: null,
    prompt_text: null,
    custom_id: 'svc-custom',
    custom_group: 'svc-group',
    call_callback_uri: null,
    call_callback_method: 'GET',
    sms_forward_uri: null,
    notifications: '[]',
    created_at: now,
    updated_at: now,
    live_at: now,
    decommissioned_at: null,
    ...fields,
  };
  await app.storage.db.insertInto('services').values(row).execute();
  return row;
}

/** A complete, realistic call record on a service: every column set (answered, recorded, attributed, analysed). */
export function deliveryCallRow(app: App, svc: ServiceTable, overrides: Partial<Insertable<CallTable>> = {}): Insertable<CallTable> {
  const started = new Date(app.clock.now().getTime() - 60_000);
  const answered = new Date(started.getTime() + 4_000);
  const ended = new Date(started.getTime() + 47_000);
  const now = app.clock.now().toISOString();
  const arrived = newCallRecord({
    unique_id: `TT-${started.getTime() / 1000}.${randomBytes(3).toString('hex')}`,
    client_id: Number(svc.client_id),
    service_id: svc.id,
    carrier: 'sandbox',
    carrier_call_id: newId('sbx'),
    tracking_number: svc.number,
    tracking_name: svc.name,
    target_number: svc.target_number,
    target_name: svc.target_name,
    caller_number: '+61290088888',
    caller_withheld: 0,
    caller_location: 'Sydney',
    caller_state: 'NSW',
    caller_country: 'AU',
    timezone: 'Australia/Sydney',
    started_at: started.toISOString(),
    custom_id: 'cust=42',
    custom_group: 'group/a b',
    is_test: 0,
    created_at: started.toISOString(),
  });
  // Finalized, with every field the callback tags read filled in (features, DNI and sentiment included).
  return {
    ...arrived,
    state: 'finalized',
    tracking_notes: 'radio campaign',
    answered_at: answered.toISOString(),
    ended_at: ended.toISOString(),
    duration: 47,
    connection_duration: 4,
    talk_duration: 43,
    status_code: 0,
    status: 'Answered',
    disposition: 'ANSWERED',
    has_audio: 1,
    audio_token: randomBytes(16).toString('base64url'),
    recording_path: 'recordings/x.wav',
    recording_duration: 43,
    label: 'hot lead',
    ivr: '1,3',
    features: JSON.stringify([
      { name: 'Product', value: 'Solar panels' },
      { name: 'Budget', value: '5000-10000' },
      { name: 'Postcode', value: '2000' },
      { name: 'Urgency', value: 'this week' },
      { name: 'Source check', value: 'radio' },
      { name: 'Existing customer', value: 'no' },
      { name: 'Call back', value: 'yes' },
      { name: 'Language', value: 'English' },
      { name: 'Score', value: 87 },
      { name: 'Agent', value: 'Kim & Lee' },
    ]),
    dni: JSON.stringify({
      url: 'https://shop.example.com/solar?utm_source=google&x=1',
      source: 'google',
      medium: 'cpc',
      term: 'solar panels sydney',
      campaign: 'Spring 2026',
      location: 'Parramatta',
      state: 'NSW',
      country: 'AU',
      usercode: '1234567890',
      sessioncode: '1700000000',
      gclid: 'EAIaIQobChMI-abc_def',
    }),
    sentiment: JSON.stringify({
      score: 0.72,
      agent: 0.81,
      caller: 0.64,
      talkMost: 'caller',
      communication: 4,
      conduct: 5,
      politeness: 3,
      highRisk: false,
      badAttitude: false,
      slangUsed: true,
      profanityUsed: false,
    }),
    finalized_at: now,
    updated_at: now,
    ...overrides,
  };
}

/** Writes a finalized call and runs the call hooks in the same transaction, as the call path does. */
export async function finalizeDeliveryCall(app: App, svc: ServiceTable, overrides: Partial<Insertable<CallTable>> = {}): Promise<CallRow> {
  const values = deliveryCallRow(app, svc, overrides);
  return app.storage.tx(async (tx) => {
    const row = (await tx.insertInto('calls').values(values).returningAll().executeTakeFirstOrThrow()) as CallRow;
    await app.callConsumers.callFinalized(tx, row);
    return row;
  });
}

/** Writes a received SMS and runs the hooks in the same transaction. */
export async function receiveDeliverySms(app: App, svc: ServiceTable, overrides: Partial<SmsMessageTable> = {}): Promise<SmsRow> {
  const row: SmsMessageTable = {
    id: newId('sms', app.clock.now().getTime()),
    client_id: Number(svc.client_id),
    service_id: svc.id,
    carrier: 'sandbox',
    carrier_message_id: newId('sbx'),
    to_number: svc.number,
    from_number: '+61412345678',
    body: 'Hi, is the solar deal still on? 50% off & free install?',
    segments: 1,
    is_test: 0,
    received_at: app.clock.now().toISOString(),
    ...overrides,
  };
  await app.storage.tx(async (tx) => {
    await tx.insertInto('sms_messages').values(row).execute();
    await app.callConsumers.smsReceived(tx, row);
  });
  return row;
}
