/**
 * What a visit tells about where the visitor came from, parsed from what the website script sends: the landing URL's
 * utm_* and click ids, the referrer, the GA client id. Also the `dni` JSON a call attributed to the visit carries
 * (the keys the HTTP Callback template, the WebAPI, the summary and the legacy getCDR read).
 */
import type { RuleInput } from './rules.ts';

export interface VisitIn {
  page_url: string;
  landing_url: string | null;
  referrer: string | null;
  ga_client_id: string | null;
  user_agent: string | null;
  ip: string | null;
}

/** The attribution fields stored with a visit (dni_visits.data) and copied into an attributed call's `dni`. */
export interface VisitData {
  url: string;
  landing: string;
  referrer: string | null;
  source: string;
  medium: string;
  campaign: string | null;
  term: string | null;
  content: string | null;
  gclid: string | null;
  fbclid: string | null;
  ga_client_id: string | null;
  usercode: string | null;
  sessioncode: string | null;
  /** visitor geography from the IP: no offline geo database is bundled, so these stay null (docs/dni.md) */
  location: string | null;
  state: string | null;
  country: string | null;
  ip: string | null;
  user_agent: string | null;
}

/** Search engines whose referrals count as `organic` when the landing URL has no utm_source. */
const SEARCH_ENGINES: [RegExp, string][] = [
  [/(^|\.)google\.[a-z.]+$/, 'google'],
  [/(^|\.)bing\.com$/, 'bing'],
  [/(^|\.)search\.yahoo\.[a-z.]+$|(^|\.)yahoo\.[a-z.]+$/, 'yahoo'],
  [/(^|\.)duckduckgo\.com$/, 'duckduckgo'],
  [/(^|\.)baidu\.com$/, 'baidu'],
  [/(^|\.)yandex\.[a-z.]+$/, 'yandex'],
  [/(^|\.)ecosia\.org$/, 'ecosia'],
];

function urlOrNull(s: string | null | undefined): URL | null {
  if (!s) return null;
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

function param(u: URL | null, name: string): string | null {
  const v = u?.searchParams.get(name);
  return v === undefined || v === null || v.trim() === '' ? null : v.trim();
}

/** The host of a referrer URL, lower case and without `www.`, or null. */
export function referrerHost(referrer: string | null): string | null {
  const u = urlOrNull(referrer);
  return u && (u.protocol === 'http:' || u.protocol === 'https:') ? u.hostname.toLowerCase() : null;
}

/**
 * The GA client id's two parts: from `GA1.2.<usercode>.<sessioncode>` (the `_ga` cookie) or `<usercode>.<sessioncode>`;
 * the whole client id is `usercode.sessioncode`.
 */
export function splitGaClientId(id: string | null): { ga_client_id: string | null; usercode: string | null; sessioncode: string | null } {
  if (!id) return { ga_client_id: null, usercode: null, sessioncode: null };
  const m = /^(?:GA\d+\.\d+\.)?(\d+)\.(\d+)$/.exec(id.trim());
  if (!m) return { ga_client_id: id.trim(), usercode: null, sessioncode: null };
  return { ga_client_id: `${m[1]}.${m[2]}`, usercode: m[1], sessioncode: m[2] };
}

/**
 * The visit's source and medium. The landing URL's utm_source/utm_medium win; else a gclid means google / cpc, an
 * fbclid facebook / paid; else a search engine referrer is `<engine>` / organic, another site `<host>` / referral;
 * no referrer is `(direct)` / `(none)` (Google Analytics' conventions).
 */
export function sourceOf(landing: URL | null, refHost: string | null, ownHost: string | null): { source: string; medium: string } {
  const utmSource = param(landing, 'utm_source');
  const utmMedium = param(landing, 'utm_medium');
  if (utmSource) return { source: utmSource, medium: utmMedium ?? '(none)' };
  if (param(landing, 'gclid') || param(landing, 'gbraid') || param(landing, 'wbraid')) return { source: 'google', medium: utmMedium ?? 'cpc' };
  if (param(landing, 'fbclid')) return { source: 'facebook', medium: utmMedium ?? 'paid' };
  if (refHost && refHost !== ownHost) {
    for (const [re, name] of SEARCH_ENGINES) if (re.test(refHost)) return { source: name, medium: utmMedium ?? 'organic' };
    return { source: refHost.replace(/^www\./, ''), medium: utmMedium ?? 'referral' };
  }
  return { source: '(direct)', medium: utmMedium ?? '(none)' };
}

/** Everything the visit says, ready to store and to copy into an attributed call. */
export function visitData(v: VisitIn): VisitData {
  const landingText = v.landing_url || v.page_url;
  const landing = urlOrNull(landingText);
  const refHost = referrerHost(v.referrer);
  const { source, medium } = sourceOf(landing, refHost, landing?.hostname.toLowerCase() ?? null);
  return {
    url: v.page_url,
    landing: landingText,
    referrer: v.referrer || null,
    source,
    medium,
    campaign: param(landing, 'utm_campaign'),
    term: param(landing, 'utm_term'),
    content: param(landing, 'utm_content'),
    gclid: param(landing, 'gclid'),
    fbclid: param(landing, 'fbclid'),
    ...splitGaClientId(v.ga_client_id),
    location: null,
    state: null,
    country: null,
    ip: v.ip,
    user_agent: v.user_agent,
  };
}

/** What the source rules look at. */
export function ruleInput(v: VisitIn): RuleInput {
  const landingText = v.landing_url || v.page_url;
  const landing = urlOrNull(landingText);
  return {
    utm_source: param(landing, 'utm_source'),
    utm_medium: param(landing, 'utm_medium'),
    utm_campaign: param(landing, 'utm_campaign'),
    referrer_host: referrerHost(v.referrer),
    landing_url: landingText,
    gclid: param(landing, 'gclid'),
    fbclid: param(landing, 'fbclid'),
  };
}

/** How a call came to be attributed (or not), recorded in its `dni`. */
export type Attribution = 'lease' | 'shared_number' | 'unattributed';

/**
 * The call's `dni` JSON: the visit's fields under the names the callback tags (`[[dl:url]]` … `[[web:gclid]]`), the
 * WebAPI, `group_by=source` and getCDR (`webKeyword` = term, `webLandning` = landing, `IPlocation` = location) read,
 * plus how it was decided. Unattributed calls to a DNI number carry only the tracking code and `attribution`.
 */
export function callDni(
  decision: { attribution: Attribution; trackingCode: number; visitId?: string; visitorId?: string; visitedAt?: string },
  data?: VisitData,
): Record<string, unknown> {
  const base = { tracking_code: decision.trackingCode, attribution: decision.attribution };
  if (!data || decision.attribution === 'unattributed') return base;
  return { ...base, visit_id: decision.visitId, visitor_id: decision.visitorId, visited_at: decision.visitedAt, ...data };
}
