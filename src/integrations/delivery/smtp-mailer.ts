import nodemailer, { type Transporter } from 'nodemailer';
import { withDeadline } from '../deadline.ts';
import type { OutboundResult } from './http-sender.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** The port e-mail notifications go through. */
export interface Mailer {
  send(msg: MailMessage, opts: { messageId: string; signal?: AbortSignal }): Promise<OutboundResult>;
  close(): Promise<void>;
}

/**
 * SMTP through nodemailer (TT_SMTP_URL). Connection errors and 4xx replies are retried; 5xx replies are permanent.
 * `timeoutMs` is a hard deadline on each message (a server that never greets, or trickles its replies, included): the
 * connection is closed then and the outcome is a retryable timeout.
 */
export function createSmtpMailer(opts: { url: string | null; from: string; timeoutMs: number }): Mailer {
  let transporter: Transporter | null = null;
  // The timeouts go with the transport options (a second argument would be message defaults, and ignored here).
  const get = () =>
    (transporter ??= nodemailer.createTransport({
      url: opts.url!,
      connectionTimeout: opts.timeoutMs,
      greetingTimeout: opts.timeoutMs,
      socketTimeout: opts.timeoutMs,
    } as never));
  return {
    async send(msg, { messageId, signal }) {
      if (!opts.url) return { kind: 'refused', error: 'e-mail is not configured on this server (set TT_SMTP_URL)' };
      return withDeadline(opts.timeoutMs, 'SMTP', (deadline) => sendOnce(get(), opts.from, msg, messageId, deadline), signal);
    },
    async close() {
      transporter?.close();
    },
  };
}

async function sendOnce(transporter: Transporter, from: string, msg: MailMessage, messageId: string, signal: AbortSignal): Promise<OutboundResult> {
  try {
    const info = await transporter.sendMail({
      from,
      to: msg.to,
      subject: msg.subject,
      text: msg.text,
      // A stable Message-ID per delivery lets a mailbox collapse the duplicates at-least-once can produce.
      messageId: `<${messageId}@telltale>`,
      // nodemailer closes the connection when it aborts (the hard deadline).
      signal,
    } as never);
    return { kind: 'response', status: 200, body: String(info.response ?? 'accepted') };
  } catch (err) {
    const e = err as Error & { responseCode?: number };
    if (e.responseCode && e.responseCode >= 500) return { kind: 'refused', error: `SMTP ${e.responseCode}: ${e.message}` };
    return { kind: 'transport_error', error: e.message || String(err) };
  }
}
