/** Tracking-code rules that need no I/O: allowed origins, number display, defaults and bounds, the page snippet. */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export const DEFAULT_HOLD_MINUTES = 30;
export const DEFAULT_COOLDOWN_MINUTES = 5;
export const DEFAULT_COOKIE_DAYS = 90;
export const MAX_POOL = 500;
export const MAX_REPLACE = 20;
export const MAX_ORIGINS = 50;

/** The origin of an allowed-origin entry as stored: `scheme://host[:port]`, lower case, or `scheme://*.domain`. Null when malformed. */
export function normalizeOrigin(input: string): string | null {
  const text = input.trim().replace(/\/+$/, '');
  const wild = /^(https?):\/\/\*\.([a-z0-9.-]+)(:\d+)?$/i.exec(text);
  if (wild) return `${wild[1].toLowerCase()}://*.${wild[2].toLowerCase()}${wild[3] ?? ''}`;
  try {
    const u = new URL(text);
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.pathname !== '/' || u.search || u.hash || u.username) return null;
    return u.origin;
  } catch {
    return null;
  }
}

/**
 * Whether a page origin may use the tracking code. Listed origins match exactly, `https://*.example.com` any subdomain
 * (not example.com itself). With none listed: any origin in sandbox mode, none in production.
 */
export function originAllowed(origin: string, allowed: readonly string[], mode: 'sandbox' | 'production'): boolean {
  if (!allowed.length) return mode === 'sandbox';
  const o = origin.toLowerCase();
  for (const a of allowed) {
    if (a === o) return true;
    const star = a.indexOf('://*.');
    if (star > 0) {
      const scheme = a.slice(0, star);
      const rest = a.slice(star + 5);
      const m = /^(https?):\/\/([^/]+)$/.exec(o);
      if (!m || m[1] !== scheme) continue;
      const [suffixHost, suffixPort] = rest.split(':');
      const [host, port] = m[2].split(':');
      if ((suffixPort ?? '') === (port ?? '') && host.endsWith(`.${suffixHost}`)) return true;
    }
  }
  return false;
}

/** How the page shows a number: national digits to dial, and the national display format. */
export function displayNumber(e164: string): { number: string; e164: string; text: string } {
  const p = parsePhoneNumberFromString(e164);
  if (!p) return { number: e164.replace(/^\+/, ''), e164, text: e164 };
  // National format without the area-code parentheses some plans use: `02 9999 8888`, `0401 020 304`.
  const text = p.formatNational().replace(/[()]/g, '').replace(/\s+/g, ' ').trim();
  return { number: text.replace(/\D/g, ''), e164, text };
}

/** Seconds between heartbeats: every minute, more often for holds under three minutes (a third of the hold). */
export function heartbeatSeconds(holdMinutes: number): number {
  return Math.max(5, Math.min(60, Math.floor((holdMinutes * 60) / 3)));
}

/**
 * The HTML to paste before `</body>`: the page's options, then the loader appended after render as the original's
 * snippet does (`id="AVANSERjs"`, async).
 */
export function pageSnippet(publicUrl: string, clientId: number, trackingCode: number): string {
  const src = `${publicUrl.replace(/\/+$/, '')}/aa.js`;
  return [
    '<script>',
    `  window.AvanserOptions = { clientId: ${clientId}, trackingCode: ${trackingCode} };`,
    `  (function (d) { var s = d.createElement('script'); s.async = true; s.id = 'AVANSERjs'; s.src = ${JSON.stringify(src)}; d.body.appendChild(s); })(document);`,
    '</script>',
  ].join('\n');
}
