import nodemailer, { type Transporter } from 'nodemailer';
import type { OutboundResult } from './http-sender.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** The port e-mail notifications go through. */
export interface Mailer {
  send(msg: MailMessage, opts: { messageId: string }): Promise<OutboundResult>;
  close(): Promise<void>;
}

/** SMTP through nodemailer (TT_SMTP_URL). Connection errors and 4xx replies are retried; 5xx replies are permanent. */
export function createSmtpMailer(opts: { url: string | null; from: string; timeoutMs: number }): Mailer {
  let transporter: Transporter | null = null;
  const get = () =>
    (transporter ??= nodemailer.createTransport(opts.url!, {
      connectionTimeout: opts.timeoutMs,
      greetingTimeout: opts.timeoutMs,
      socketTimeout: opts.timeoutMs,
    } as never));
  return {
    async send(msg, { messageId }) {
      if (!opts.url) return { kind: 'refused', error: 'e-mail is not configured on this server (set TT_SMTP_URL)' };
      try {
        const info = await get().sendMail({
          from: opts.from,
          to: msg.to,
          subject: msg.subject,
          text: msg.text,
          // A stable Message-ID per delivery lets a mailbox collapse the duplicates at-least-once can produce.
          messageId: `<${messageId}@telltale>`,
        });
        return { kind: 'response', status: 200, body: String(info.response ?? 'accepted') };
      } catch (err) {
        const e = err as Error & { responseCode?: number };
        if (e.responseCode && e.responseCode >= 500) return { kind: 'refused', error: `SMTP ${e.responseCode}: ${e.message}` };
        return { kind: 'transport_error', error: e.message || String(err) };
      }
    },
    async close() {
      transporter?.close();
    },
  };
}
