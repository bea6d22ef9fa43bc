// Telltale's website script (served as GET /aa.js), drop-in for AVANSER's loader contract:
//   window.AvanserOptions = { clientId: 5995, trackingCode: 12 };   // numbers or strings
//   const s = document.createElement('script'); s.async = true; s.id = 'AVANSERjs'; s.src = 'https://HOST/aa.js';
//   document.body.appendChild(s);                                     // at any time, also long after load
// It asks Telltale (POST /dni/v1/visit) which number this visitor sees, swaps the business numbers on the page for it
// (text and tel: links, now and in content added later), keeps the lease alive while the page is open (heartbeat),
// and answers window.$AA.getNumber(pageNumber?) with a Promise that always resolves.
import { businessParts, isOneOf, partsOf, swapOf, swapText, type PhoneParts, type Swap } from './numbers.ts';

interface Options {
  clientId?: number | string;
  trackingCode?: number | string;
  /** How long to wait for Telltale before answering with the default number (ms, default 5000). */
  timeoutMs?: number;
}

/** What POST /dni/v1/visit answers (200). */
interface VisitAnswer {
  visitor_id: string;
  tracking_code: number;
  is_default: boolean;
  number: string;
  e164: string;
  text: string;
  replace: string[];
  heartbeat_seconds: number;
  cookie_days: number;
  lease_expires_at: string | null;
}

/** What $AA.getNumber resolves to: plain, JSON-serialisable. */
export interface NumberObject {
  trackingCode: number | string | null;
  isDefault: boolean;
  number: string | null;
  text: string | null;
}

interface AaWindow extends Window {
  AvanserOptions?: Options;
  $AA?: unknown;
  AvanserCore?: unknown;
}

const VERSION = '1';
const COOKIE = 'tt_dni_vid';
const LANDING_KEY = 'tt_dni_landing';
const SKIP = 'script,style,noscript,textarea,select,template,[data-dni-skip]';

const w = window as AaWindow;
const d = document;

/** This script's element: the running script, or the loader's #AVANSERjs, or the last script named aa.js. */
function ownScript(): HTMLScriptElement | null {
  const cur = d.currentScript as HTMLScriptElement | null;
  if (cur && cur.src) return cur;
  const byId = d.getElementById('AVANSERjs') as HTMLScriptElement | null;
  if (byId && byId.src) return byId;
  const all = d.querySelectorAll<HTMLScriptElement>('script[src*="aa.js"]');
  return all.length ? all[all.length - 1] : null;
}

function telltaleOrigin(): string | null {
  const s = ownScript();
  try {
    return s ? new URL(s.src, location.href).origin : null;
  } catch {
    return null;
  }
}

const code = (v: unknown): number | string | null =>
  typeof v === 'number' && isFinite(v) ? v : typeof v === 'string' && v.trim() ? (/^\d+$/.test(v.trim()) ? Number(v.trim()) : v.trim()) : null;

function readCookie(name: string): string | null {
  for (const part of d.cookie ? d.cookie.split(';') : []) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** The visitor id in a first-party cookie of the page's own host (no Domain attribute: never a third party's). */
function writeVisitor(id: string, days: number) {
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  d.cookie = `${COOKIE}=${encodeURIComponent(id)}; Max-Age=${days < 0 ? 0 : Math.max(1, Math.round(days * 86400))}; Path=/; SameSite=Lax${secure}`;
}

/** The GA client id of the `_ga` cookie (GA1.2.<usercode>.<sessioncode> → "<usercode>.<sessioncode>"). */
function gaClientId(): string | null {
  const parts = (readCookie('_ga') ?? '').split('.');
  return parts.length >= 4 && /^\d+$/.test(parts[2]) && /^\d+$/.test(parts[3]) ? `${parts[2]}.${parts[3]}` : null;
}

/** The first page of this visit (tab session) and its referrer, kept in sessionStorage from the first page on. */
function landing(): { url: string | null; referrer: string | null } {
  const now = { url: location.href, referrer: d.referrer || null };
  try {
    const kept = sessionStorage.getItem(LANDING_KEY);
    if (kept) return JSON.parse(kept);
    sessionStorage.setItem(LANDING_KEY, JSON.stringify(now));
  } catch {
    // Storage refused (privacy mode, sandboxed frame): this page is the landing page.
  }
  return now;
}

/** POST a JSON body as text/plain (a CORS simple request: no preflight); resolves null on any failure or timeout. */
function post(url: string, body: unknown, timeoutMs: number): Promise<{ status: number; json: any } | null> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: { status: number; json: any } | null) => {
      if (!done) (done = true), clearTimeout(timer), resolve(v);
    };
    const ctl = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = setTimeout(() => {
      finish(null);
      ctl?.abort();
    }, timeoutMs);
    try {
      fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
        body: JSON.stringify(body),
        credentials: 'omit',
        mode: 'cors',
        cache: 'no-store',
        signal: ctl?.signal,
      })
        .then((r) => r.json().then((json) => finish({ status: r.status, json }), () => finish({ status: r.status, json: null })))
        .catch(() => finish(null));
    } catch {
      finish(null);
    }
  });
}

/** URLs are sent up to the 2,048 characters the server takes. */
const cut = (u: string | null): string | null => (u && u.length > 2048 ? u.slice(0, 2048) : u);

function start() {
  const options: Options = w.AvanserOptions ?? {};
  const clientId = code(options.clientId);
  const trackingCode = code(options.trackingCode);
  const timeoutMs = typeof options.timeoutMs === 'number' && options.timeoutMs > 0 ? options.timeoutMs : 5000;
  const origin = telltaleOrigin();
  const named: string[] = [];

  let answer: VisitAnswer | null = null;
  let replaceParts: PhoneParts[] = [];
  let swap: Swap | null = null;
  /** Tracking numbers shown earlier in this page (a heartbeat or a new visit changed the number): swapped again. */
  const shown: PhoneParts[] = [];
  let observer: MutationObserver | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let retried = false;

  const body = () => ({ client_id: clientId, tracking_code: trackingCode, visitor_id: answer?.visitor_id ?? readCookie(COOKIE) });

  const visit = async (): Promise<void> => {
    if (!origin || clientId === null || trackingCode === null) return;
    const land = landing();
    const r = await post(
      `${origin}/dni/v1/visit`,
      { ...body(), page_url: cut(location.href), landing_url: cut(land.url), referrer: cut(land.referrer), ga_client_id: gaClientId(), numbers: named.length ? named.slice() : null },
      timeoutMs,
    );
    if (r && r.status === 200 && r.json && typeof r.json.number === 'string') apply(r.json as VisitAnswer);
    // A visitor id Telltale does not take (a cookie edited by hand): once more as a first visit.
    else if (r && r.status === 400 && readCookie(COOKIE) && !answer && !retried) {
      retried = true;
      writeVisitor('', -1);
      await visit();
    }
  };

  const heartbeat = async (): Promise<void> => {
    if (!answer || !origin) return;
    const r = await post(`${origin}/dni/v1/heartbeat`, body(), timeoutMs);
    if (r && r.status === 404) await visit();
    else if (r && r.status === 200 && r.json && typeof r.json.number === 'string') apply({ ...answer, ...r.json });
  };

  const schedule = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!answer || answer.lease_expires_at === null || d.visibilityState === 'hidden') return;
    timer = setTimeout(() => heartbeat().then(schedule, schedule), Math.max(5, answer.heartbeat_seconds || 60) * 1000);
  };

  /** Takes a new answer: cookie, what to swap, the page swept, the heartbeat scheduled. */
  function apply(a: VisitAnswer) {
    const before = answer;
    answer = a;
    if (a.visitor_id) writeVisitor(a.visitor_id, a.cookie_days || 90);
    const to = partsOf(a.e164, a.number, a.text);
    if (Array.isArray(a.replace)) replaceParts = a.replace.map((e) => businessParts(e, to.cc, to.trunk));
    if (before && !before.is_default && before.e164 !== a.e164) shown.push(partsOf(before.e164, before.number, before.text));
    const from = [...(a.is_default ? [] : replaceParts), ...shown.filter((p) => p.cc + p.nsn !== to.cc + to.nsn)];
    swap = from.length ? swapOf(from, to) : null;
    if (swap) sweep(d.body);
    watch();
    schedule();
  }

  // ---- the page: text nodes and tel: links, now and whenever they change
  const skipped = (el: Element | null): boolean => !!el && (!!el.closest(SKIP) || (el as HTMLElement).isContentEditable);

  function swapNode(node: Node) {
    if (!swap) return;
    if (node.nodeType === 3) {
      const t = node as Text;
      if (skipped(t.parentElement)) return;
      const next = swapText(t.data, swap);
      if (next !== t.data) t.data = next;
    } else if (node.nodeType === 1) {
      swapHref(node as Element);
    }
  }

  function swapHref(el: Element) {
    if (!swap || el.tagName !== 'A' || skipped(el)) return;
    const href = el.getAttribute('href');
    const m = href ? /^(\s*tel:(?:\/\/)?)(.+)$/i.exec(href) : null;
    if (!m) return;
    let value = m[2];
    let encoded = false;
    try {
      const decoded = decodeURIComponent(value);
      encoded = decoded !== value;
      value = decoded;
    } catch {
      // not percent-encoded: taken as written
    }
    const next = swapText(value, swap);
    if (next !== value) el.setAttribute('href', m[1] + (encoded ? encodeURI(next) : next));
  }

  function sweep(root: Node | null) {
    if (!swap || !root) return;
    if (root.nodeType === 3) return swapNode(root);
    if (root.nodeType !== 1 && root.nodeType !== 11) return;
    if (root.nodeType === 1 && skipped(root as Element)) return;
    swapNode(root);
    const walker = d.createTreeWalker(root, 5 /* SHOW_ELEMENT | SHOW_TEXT */, {
      acceptNode: (n) => (n.nodeType === 1 && ((n as Element).matches(SKIP) || (n as HTMLElement).isContentEditable) ? 2 /* REJECT */ : 1 /* ACCEPT */),
    });
    const nodes: Node[] = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    nodes.forEach(swapNode);
  }

  function watch() {
    if (observer || !swap || typeof MutationObserver !== 'function') return;
    // Callbacks run as microtasks after each change, before the browser paints: a re-render never shows the old number.
    observer = new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === 'childList') r.addedNodes.forEach((n) => sweep(n));
        else if (r.type === 'characterData') swapNode(r.target);
        else if (r.type === 'attributes') swapHref(r.target as Element);
      }
    });
    observer.observe(d.documentElement, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['href'] });
  }

  d.addEventListener('visibilitychange', () => {
    if (d.visibilityState === 'hidden') return schedule();
    // Back on the page: the lease may have lapsed while hidden; the heartbeat's 404 asks for a new visit.
    if (answer && answer.lease_expires_at !== null) heartbeat().then(schedule, schedule);
  });

  const ready =
    d.body || d.readyState !== 'loading'
      ? visit()
      : new Promise<void>((resolve) => d.addEventListener('DOMContentLoaded', () => visit().then(resolve, resolve)));
  const settled = ready.then(
    () => undefined,
    () => undefined,
  );

  const getNumber = (pageNumber?: string | number): Promise<NumberObject> => {
    const page = pageNumber === undefined || pageNumber === null || pageNumber === '' ? null : String(pageNumber);
    if (page && page.length <= 40 && named.indexOf(page) < 0 && named.length < 10) named.push(page);
    const own = (): NumberObject => ({ trackingCode, isDefault: true, number: page ? page.replace(/[^\d+]/g, '') : null, text: page });
    return settled.then(() => {
      try {
        const a = answer;
        if (!a) return own();
        if (page) {
          if (a.is_default || !isOneOf(page, replaceParts)) return own();
          return { trackingCode: a.tracking_code, isDefault: false, number: a.number, text: swapText(page, swapOf(replaceParts, partsOf(a.e164, a.number, a.text))) };
        }
        return { trackingCode: a.tracking_code, isDefault: !!a.is_default, number: a.number, text: a.text };
      } catch {
        return own();
      }
    });
  };

  const api = { version: VERSION, getNumber };
  w.$AA = api;
  w.AvanserCore = api;
}

// Loaded twice (a loader re-run, a tag manager firing again): the first copy keeps the page.
if (!(w.$AA && (w.$AA as { version?: string }).version === VERSION)) start();
