import { createHmac } from 'node:crypto';

const keys = new Map<string, Buffer>();

/** Standard Webhooks: HMAC-SHA256 over `${id}.${timestamp}.${payload}` with the secret's bytes (the base64 after `whsec_`). */
export function signWebhook(secret: string, id: string, timestampSeconds: number, payload: string): string {
  // A secret still sealed at rest (secret-box `v1:`) did not open with this server's key: never sign with its text.
  if (secret.startsWith('v1:')) throw new Error('the account’s webhook secret is encrypted at rest and does not open with this server’s key (set TT_SECRET_KEY to the key it was stored with)');
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
    // A handful of accounts' secrets; bounded so rotated ones do not pile up.
    if (keys.size >= 1000) keys.clear();
    keys.set(secret, key);
  }
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${payload}`).digest('base64');
  return `v1,${mac}`;
}

export function webhookHeaders(secret: string, id: string, timestampSeconds: number, payload: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signWebhook(secret, id, timestampSeconds, payload),
  };
}
