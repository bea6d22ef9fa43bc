import { DateTime } from 'luxon';
import { callbackValues, renderTemplate, type CallForTags } from '../../domain/delivery/callback-template.ts';
import { CALL_STATUSES, NOTIFY_NAME_BY_CODE, type CallStatusCode } from '../../domain/calls/call-status.ts';
import { toAvanserFormat } from '../../domain/phone.ts';
import type { Mailer } from '../../integrations/delivery/smtp-mailer.ts';
import type { SmsPort } from '../../integrations/delivery/sms-port.ts';
import type { OutboundResult } from '../../integrations/delivery/http-sender.ts';
import type { Executor } from '../../storage/database.ts';
import type { DeliveryRow } from '../../storage/delivery/delivery.repository.ts';
import * as services from '../../storage/telco/service.repository.ts';
import type { ServiceRow } from '../../storage/telco/service.repository.ts';
import { audioUrl, avanserCaller } from '../../domain/report/formats.ts';
import type { CallConsumer, CallRow, SmsRow } from '../calls/call-consumers.ts';
import type { DeliveryService } from './delivery.service.ts';

interface NotificationRule {
  channel: 'email' | 'sms';
  to: string;
  statuses: string[];
}

/**
 * What a finalized call or a received SMS sends out: the HTTP Callback, e-mail and SMS notifications, and the SMS
 * Forward. Each is written to the outbox inside the event's own transaction (a CallConsumer, see services/calls/call-consumers.ts), so none is lost.
 */
export class CallDeliveryService implements CallConsumer {
  constructor(
    private readonly delivery: DeliveryService,
    private readonly mailer: Mailer,
    private readonly sms: SmsPort,
    private readonly opts: { publicUrl: string },
  ) {
    delivery.registerTransport('notify_email', (d) => this.sendEmail(d));
    delivery.registerTransport('notify_sms', (d) => this.sendSms(d));
  }

  async onCallFinalized(tx: Executor, call: CallRow): Promise<void> {
    const svc = call.service_id ? await services.findServiceById(tx, call.service_id) : undefined;
    if (!svc) return;
    const clientId = Number(call.client_id);
    if (svc.call_callback_uri) {
      await this.delivery.enqueue(tx, { clientId, kind: 'call_callback', subjectId: String(call.id), ...callbackRequest(svc, call, svc.call_callback_uri, this.opts.publicUrl) });
    }
    const statusName = call.status_code !== null ? NOTIFY_NAME_BY_CODE[call.status_code as CallStatusCode] : undefined;
    if (!statusName) return;
    for (const rule of parseRules(svc.notifications)) {
      if (!rule.statuses.includes(statusName)) continue;
      if (rule.channel === 'email') {
        await this.delivery.enqueue(tx, {
          clientId,
          kind: 'notify_email',
          subjectId: String(call.id),
          method: 'POST',
          url: `mailto:${rule.to}`,
          body: JSON.stringify({ to: rule.to, ...emailFor(call, svc.name, this.opts.publicUrl) }),
        });
      } else {
        await this.delivery.enqueue(tx, {
          clientId,
          kind: 'notify_sms',
          subjectId: String(call.id),
          method: 'POST',
          url: `sms:${rule.to}`,
          body: JSON.stringify({ to: rule.to, from: call.tracking_number, text: smsFor(call, svc.name) }),
        });
      }
    }
  }

  async onSmsReceived(tx: Executor, sms: SmsRow): Promise<void> {
    const svc = sms.service_id ? await services.findServiceById(tx, sms.service_id) : await services.findLiveServiceByNumber(tx, sms.to_number);
    if (!svc?.sms_forward_uri) return;
    const params = new URLSearchParams({
      from: sms.from_number ?? '',
      to: sms.to_number,
      text: sms.body,
      received_at: sms.received_at,
      message_id: sms.id,
      service_id: svc.id,
      client_id: String(svc.client_id),
    });
    const uri = svc.sms_forward_uri;
    await this.delivery.enqueue(tx, {
      clientId: Number(svc.client_id),
      kind: 'sms_forward',
      subjectId: sms.id,
      method: 'GET',
      url: `${uri}${uri.includes('?') ? (/[?&]$/.test(uri) ? '' : '&') : '?'}${params.toString()}`,
    });
  }

  private async sendEmail(d: DeliveryRow): Promise<OutboundResult> {
    const msg = JSON.parse(d.body ?? '{}') as { to: string; subject: string; text: string };
    return this.mailer.send(msg, { messageId: d.id });
  }

  private async sendSms(d: DeliveryRow): Promise<OutboundResult> {
    const msg = JSON.parse(d.body ?? '{}') as { to: string; from: string | null; text: string };
    return this.sms.send({ clientId: Number(d.client_id), from: msg.from, to: msg.to, body: msg.text, reference: d.id });
  }
}

/**
 * The HTTP Callback of a call on a service: the template with every tag replaced (URL-encoded), GET by default or POST
 * (`call_callback_method`) with a JSON body of every tag's value. The finalized call's delivery and the UserAPI's test
 * callback are both made by it.
 */
export function callbackRequest(
  svc: Pick<ServiceRow, 'client_id' | 'name' | 'custom_id' | 'custom_group' | 'call_callback_method'>,
  call: CallForTags,
  template: string,
  publicUrl: string,
): { method: 'GET' | 'POST'; url: string; body?: string } {
  const values = callbackValues(call, { clientId: Number(svc.client_id), serviceName: svc.name, serviceCustomId: svc.custom_id, serviceCustomGroup: svc.custom_group, publicUrl });
  const method = svc.call_callback_method === 'POST' ? 'POST' : 'GET';
  return { method, url: renderTemplate(template, values), body: method === 'POST' ? JSON.stringify(values) : undefined };
}

function parseRules(json: string): NotificationRule[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? (v as NotificationRule[]).filter((r) => r && Array.isArray(r.statuses) && typeof r.to === 'string') : [];
  } catch {
    return [];
  }
}

function statusText(call: CallRow): string {
  return call.status ?? (call.status_code !== null ? (CALL_STATUSES[call.status_code as CallStatusCode] ?? String(call.status_code)) : 'Unknown');
}

/** The notification e-mail: a subject that says what happened and the call's details, in the account's time zone. */
export function emailFor(call: CallRow, serviceName: string | null, publicUrl: string): { subject: string; text: string } {
  const local = DateTime.fromISO(call.started_at, { zone: 'utc' }).setZone(call.timezone);
  const name = call.tracking_name ?? serviceName;
  const subject = `${statusText(call)} call from ${avanserCaller(call)} to ${toAvanserFormat(call.tracking_number)}${name ? ` (${name})` : ''}`;
  const lines: [string, string | null | undefined][] = [
    ['Status', `${statusText(call)} (code ${call.status_code ?? '-'})`],
    ['Caller', avanserCaller(call)],
    ['Caller location', [call.caller_location, call.caller_state, call.caller_country].filter(Boolean).join(', ') || null],
    ['Tracking number', `${toAvanserFormat(call.tracking_number)}${name ? ` (${name})` : ''}`],
    ['Answer point', call.target_number ? `${toAvanserFormat(call.target_number)}${call.target_name ? ` (${call.target_name})` : ''}` : null],
    ['Started', `${local.toFormat('dd/MM/yyyy HH:mm:ss')} ${call.timezone}`],
    ['Duration', `${call.duration} s`],
    ['Disposition', call.disposition],
    ['IVR selections', call.ivr],
    ['Custom id', call.custom_id],
    ['Custom group', call.custom_group],
    ['Recording', audioUrl(publicUrl, call) || null],
    ['Call id', String(call.id)],
  ];
  const text = lines
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return { subject, text: `${text}\n\n-- Telltale call tracking\n` };
}

/** The notification SMS: short, one line. */
export function smsFor(call: CallRow, serviceName: string | null): string {
  const local = DateTime.fromISO(call.started_at, { zone: 'utc' }).setZone(call.timezone);
  const name = call.tracking_name ?? serviceName;
  return `${statusText(call)} call from ${avanserCaller(call)} to ${toAvanserFormat(call.tracking_number)}${name ? ` (${name})` : ''} at ${local.toFormat('dd/MM HH:mm')}, ${call.duration}s`;
}
