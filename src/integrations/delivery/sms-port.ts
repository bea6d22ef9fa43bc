import type { OutboundResult } from './http-sender.ts';

export interface OutboundSms {
  clientId: number | null;
  from: string | null;
  to: string;
  body: string;
  /** Our reference (the delivery id), so a carrier or the sandbox can tell a resend from a new message. */
  reference: string;
}

/** The carrier port for sending SMS (notifications). The sandbox carrier's is `sandboxSmsOutbox` (telephony/sandbox/sandbox-sms.ts). */
export interface SmsPort {
  send(sms: OutboundSms): Promise<OutboundResult>;
}

/** Production has no SMS carrier wired yet: SMS notifications fail with a clear message in the delivery log. */
export const unconfiguredSms: SmsPort = {
  async send() {
    return { kind: 'refused', error: 'no SMS carrier is configured for sending in production mode yet' };
  },
};
