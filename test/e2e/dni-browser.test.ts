// The DNI website script in real Chromium (Debian's /usr/bin/chromium through playwright-core): a real Telltale
// (in-process, listening on 127.0.0.1, SQLite: the browser suite runs once, not per dialect) and customer pages served
// by a separate HTTP server on another origin (http://localhost:<port>) that load /aa.js the way customers' pages do:
// AvanserOptions set, then the script element appended to document.body after the page has loaded.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ManualClock } from '../../src/domain/clock.ts';
import { CLI_ACTOR } from '../../src/services/accounts/audit.service.ts';
import { DIALECTS } from '../support/dialects.ts';
import { buildTestApp, type TestApp } from '../support/app.ts';
import { accountWithUser, liveService } from '../support/calls.ts';
import { Receiver } from '../support/receiver.ts';
import { BROWSER_SKIP, launchBrowser } from '../support/browser.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'dni');
const SKIP = BROWSER_SKIP;

const CLIENT = 7100;
const BUSINESS = '+61401020304';
const HOLD_MINUTES = 30;

/** A customer's web server on another origin: pages by path, each loading Telltale's script after its load event. */
class Site {
  private server = http.createServer((req, res) => {
    const page = this.pages.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!page) return res.writeHead(404).end('no page');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
  });
  private pages = new Map<string, string>();
  origin = '';
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://localhost:${(this.server.address() as net.AddressInfo).port}`;
    return this;
  }
  page(pathname: string, html: string) {
    this.pages.set(pathname, html);
    return `${this.origin}${pathname}`;
  }
  close() {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(r));
  }
}

/**
 * A shop's page: the business number in every form, links, a form field, a text area, editable content and a script
 * that mentions the number; then, after load (and a further task), the loader of the issue: AvanserOptions (strings,
 * as pages built from form inputs pass them) and the script element appended to the body.
 */
function shopPage(scriptSrc: string, trackingCode: number | string, more: Record<string, unknown> = {}): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Shop</title>
<style>body{font:16px/1.4 sans-serif;margin:16px} .n{font-weight:bold}</style></head>
<body>
<div id="app">
  <h1>Harbour Plumbing</h1>
  <p id="plain">Call <span class="n">0401020304</span> now</p>
  <p id="spaced" class="n">0401 020 304</p>
  <p id="paren" class="n">(04) 0102 0304</p>
  <p id="intl" class="n">+61 401 020 304</p>
  <p id="bare" class="n">61401020304</p>
  <p id="other">Fax 0401020305, ABN 40102030400</p>
  <p><a id="tel" href="tel:+61401020304">Call (tel:)</a> <a id="tel2" href="tel://0401020304">0401020304</a> <a id="tel3" href="tel:0401%20020%20304">encoded</a></p>
  <p><label>input <input id="field" value="0401020304"></label> <label>textarea <textarea id="area">0401020304</textarea></label></p>
  <p>contenteditable: <span id="editable" contenteditable="true">0401020304</span></p>
  <pre id="result"></pre>
</div>
<script id="inline">var pageMentions = "0401020304";</script>
<script>
  window.addEventListener('load', function () {
    setTimeout(function () {
      window.AvanserOptions = Object.assign({ clientId: "${CLIENT}", trackingCode: "${trackingCode}" }, ${JSON.stringify(more)});
      var s = document.createElement('script');
      s.async = true; s.id = 'AVANSERjs'; s.src = ${JSON.stringify(scriptSrc)};
      document.body.appendChild(s);
    }, 50);
  });
</script>
</body></html>`;
}

interface NumberObject {
  trackingCode: number | string | null;
  isDefault: boolean;
  number: string | null;
  text: string | null;
}

/** Waits until the script has run ($AA defined) and answers what getNumber resolved (the page is swapped by then). */
async function numberOf(page: Page, pageNumber?: string): Promise<NumberObject> {
  await page.waitForFunction(() => !!(window as unknown as { $AA?: unknown }).$AA, undefined, { timeout: 15_000 });
  return page.evaluate((n) => (window as unknown as { $AA: { getNumber(n?: string): Promise<NumberObject> } }).$AA.getNumber(n), pageNumber);
}

const text = (page: Page, sel: string) => page.locator(sel).evaluate((el) => el.textContent);
const href = (page: Page, sel: string) => page.locator(sel).getAttribute('href');

/** The national digits and display text of a pool number as the server shows it (Australia). */
const national = (e164: string) => '0' + e164.slice(3);

/** Saves a screenshot of the page, with what getNumber resolved written in its #result block (when it has one). */
async function shot(page: Page, name: string) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.evaluate(async () => {
    const out = document.getElementById('result');
    const aa = (window as unknown as { $AA?: { getNumber(): Promise<unknown> } }).$AA;
    if (out && aa && !out.textContent) out.textContent = '$AA.getNumber() → ' + JSON.stringify(await aa.getNumber(), null, 1);
  });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

describe('DNI website script in Chromium (SQLite)', { skip: SKIP }, () => {
  let t: TestApp;
  let clock: ManualClock;
  let browser: Browser;
  let site: Site;
  let receiver: Receiver;
  let acct: Awaited<ReturnType<typeof accountWithUser>>;
  const pool: string[] = ['+61291000101', '+61291000102', '+61291000103'];
  const single = '+61291000201';
  const locked = '+61291000301';
  let shop: number; // tracking code: pool of 3
  let tiny: number; // tracking code: pool of 1
  let guarded: number; // tracking code: one allowed origin, not this site
  let demo: number; // tracking code of the demo page: pool of 1
  let beat: number; // tracking code of the heartbeat test: pool of 1
  const beatNumber = '+61291000501';
  const demoNumber = '+61291000401';
  const contexts: BrowserContext[] = [];
  const context = async (opts?: Parameters<Browser['newContext']>[0]) => {
    const c = await browser.newContext({ viewport: { width: 900, height: 720 }, ...opts });
    contexts.push(c);
    return c;
  };

  before(async () => {
    receiver = await new Receiver().start();
    clock = new ManualClock(new Date());
    t = await buildTestApp(DIALECTS[0], { listen: true, clock });
    acct = await accountWithUser(t.app, CLIENT);
    const callback = `${receiver.url}/cb?number=[[bnum]]&url=[[dl:url]]&source=[[dl:source]]&medium=[[dl:medium]]&campaign=[[dl:campaign]]&term=[[dl:term]]&gclid=[[web:gclid]]&usercode=[[web:usercode]]&sessioncode=[[web:sessioncode]]`;
    const ids = async (numbers: string[]) => {
      const out: string[] = [];
      for (const n of numbers) out.push(String((await liveService(t.app, CLIENT, n, { type: 'transfer', name: `Web ${n}`, target_number: '+61299998888', call_callback_uri: callback })).id));
      return out;
    };
    const create = async (name: string, numbers: string[], origins: string[] = []) =>
      (await t.app.dniCodes.create(CLIENT, { name, replace: [BUSINESS], pool: await ids(numbers), origins, hold_minutes: HOLD_MINUTES }, CLI_ACTOR)).tracking_code;
    shop = await create('Shop', pool);
    tiny = await create('Tiny', [single]);
    guarded = await create('Guarded', [locked], ['https://shop.example']);
    demo = await create('Demo shop', [demoNumber]);
    beat = await create('Heartbeat', [beatNumber]);
    site = await new Site().start();
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await site?.close();
    await t?.close();
    await receiver?.close();
  });

  let first: { ctx: BrowserContext; page: Page; shown: NumberObject };
  let attributed: Page;

  it('injected after load: swaps the business number in every written form and in tel:/tel:// links, in the page’s style; form fields, scripts and editable content keep it', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(site.page('/shop', shopPage(`${t.url}/aa.js`, shop)));
    assert.equal(await page.evaluate(() => typeof (window as unknown as { $AA?: unknown }).$AA), 'undefined', 'the script comes after the load event');
    const shown = await numberOf(page);
    assert.deepEqual(JSON.parse(JSON.stringify(shown)), shown, 'a plain JSON-serialisable object');
    assert.equal(shown.isDefault, false);
    assert.equal(shown.trackingCode, shop);
    const e164 = pool.find((p) => national(p) === shown.number);
    assert.ok(e164, `a pool number: ${shown.number}`);
    const n = shown.number!; // 0291000101: 02 9100 0101
    assert.equal(shown.text, `${n.slice(0, 2)} ${n.slice(2, 6)} ${n.slice(6)}`);
    assert.equal(await text(page, '#plain'), `Call ${n} now`);
    assert.equal(await text(page, '#spaced'), `${n.slice(0, 4)} ${n.slice(4, 7)} ${n.slice(7)}`);
    assert.equal(await text(page, '#paren'), `(${n.slice(0, 2)}) ${n.slice(2, 6)} ${n.slice(6)}`);
    assert.equal(await text(page, '#intl'), `+61 ${n.slice(1, 4)} ${n.slice(4, 7)} ${n.slice(7)}`);
    assert.equal(await text(page, '#bare'), `61${n.slice(1)}`);
    assert.equal(await text(page, '#other'), 'Fax 0401020305, ABN 40102030400', 'other numbers stay');
    assert.equal(await href(page, '#tel'), `tel:${e164}`);
    assert.equal(await href(page, '#tel2'), `tel://${n}`);
    assert.equal(await text(page, '#tel2'), n);
    assert.equal(await href(page, '#tel3'), `tel:${n.slice(0, 4)}%20${n.slice(4, 7)}%20${n.slice(7)}`);
    assert.equal(await page.inputValue('#field'), '0401020304');
    assert.equal(await page.locator('#field').getAttribute('value'), '0401020304');
    assert.equal(await page.inputValue('#area'), '0401020304');
    assert.equal(await text(page, '#editable'), '0401020304');
    assert.equal(await page.evaluate(() => (window as unknown as { pageMentions: string }).pageMentions), '0401020304');
    assert.match((await text(page, '#inline'))!, /0401020304/);
    assert.equal(await page.evaluate(() => (window as unknown as { AvanserCore: unknown; $AA: unknown }).AvanserCore === (window as unknown as { $AA: unknown }).$AA), true);
    // With the page's own number named, the answer is its replacement in that number's style.
    assert.deepEqual(await numberOf(page, '(04) 0102 0304'), { trackingCode: shop, isDefault: false, number: n, text: `(${n.slice(0, 2)}) ${n.slice(2, 6)} ${n.slice(6)}` });
    assert.deepEqual(await numberOf(page, '0299990000'), { trackingCode: shop, isDefault: true, number: '0299990000', text: '0299990000' }, 'not a business number: itself');
    assert.deepEqual(errors, []);
    await shot(page, '1-swapped');
    first = { ctx, page, shown };
  });

  it('keeps swapping content added or re-rendered later (React/Vue-style subtree replacement, text updates, new links), still never in form fields', async () => {
    const { page, shown } = first;
    const n = shown.number!;
    await page.evaluate(() => {
      // A re-render: the framework replaces the subtree with new nodes built from its (unswapped) state.
      const app = document.getElementById('app')!;
      const fresh = document.createElement('div');
      fresh.id = 'rendered';
      fresh.innerHTML =
        '<h3 id="r-head">Call us: <a id="r-link" href="tel://0401020304">0401020304</a></h3>' +
        '<div><button id="r-button">Call us: 0401 020 304</button></div>' +
        '<span id="r-span">Our call center is always available to take your call, contact us at (04) 0102 0304!</span>' +
        '<input id="r-field" value="0401020304">';
      app.replaceChildren(fresh);
    });
    await page.waitForFunction((num) => document.getElementById('r-span')?.textContent?.includes(`(${num.slice(0, 2)})`), n);
    assert.equal(await text(page, '#r-head'), `Call us: ${n}`);
    assert.equal(await href(page, '#r-link'), `tel://${n}`);
    assert.equal(await text(page, '#r-button'), `Call us: ${n.slice(0, 4)} ${n.slice(4, 7)} ${n.slice(7)}`);
    assert.equal(await text(page, '#r-span'), `Our call center is always available to take your call, contact us at (${n.slice(0, 2)}) ${n.slice(2, 6)} ${n.slice(6)}!`);
    assert.equal(await page.inputValue('#r-field'), '0401020304');
    // A state update writes the text node again; an attribute update sets a new tel: link.
    await page.evaluate(() => {
      document.getElementById('r-button')!.firstChild!.nodeValue = 'Now: +61 401 020 304';
      document.getElementById('r-link')!.setAttribute('href', 'tel:0401-020-304');
    });
    await page.waitForFunction(() => !document.getElementById('r-button')!.textContent!.includes('401 020 304'));
    assert.equal(await text(page, '#r-button'), `Now: +61 ${n.slice(1, 4)} ${n.slice(4, 7)} ${n.slice(7)}`);
    await page.waitForFunction(() => document.getElementById('r-link')!.getAttribute('href') !== 'tel:0401-020-304');
    assert.equal(await href(page, '#r-link'), `tel:${n.slice(0, 4)}-${n.slice(4, 7)}-${n.slice(7)}`);
    // Typing the number into a field is the visitor's business.
    await page.fill('#r-field', '0401 020 304');
    await page.evaluate(() => new Promise((r) => setTimeout(r, 50)));
    assert.equal(await page.inputValue('#r-field'), '0401 020 304');
    await shot(page, '2-rerendered');
  });

  it('one lease per visitor: separate browser contexts get distinct pool numbers; once the pool is exhausted a visitor gets the business number (isDefault) and the page keeps it', async () => {
    const numbers = [first.shown.number];
    for (let i = 0; i < 2; i++) {
      const page = await (await context()).newPage();
      await page.goto(site.page('/shop', shopPage(`${t.url}/aa.js`, shop)));
      const shown = await numberOf(page);
      assert.equal(shown.isDefault, false);
      numbers.push(shown.number);
      assert.equal(await text(page, '#spaced'), `${shown.number!.slice(0, 4)} ${shown.number!.slice(4, 7)} ${shown.number!.slice(7)}`);
    }
    assert.deepEqual([...numbers].sort(), pool.map(national).sort(), 'three visitors, three distinct numbers: the whole pool');
    const page = await (await context()).newPage();
    await page.goto(site.page('/shop', shopPage(`${t.url}/aa.js`, shop)));
    const shown = await numberOf(page);
    assert.deepEqual(shown, { trackingCode: shop, isDefault: true, number: '0401020304', text: shown.text });
    assert.equal(await text(page, '#spaced'), '0401 020 304');
    assert.equal(await text(page, '#plain'), 'Call 0401020304 now');
    assert.equal(await href(page, '#tel'), 'tel:+61401020304');
    await shot(page, '3-pool-exhausted');
  });

  it('a returning visitor (same browser context, page loaded again) keeps its number; the visitor id lives in a first-party cookie of the page’s host only', async () => {
    const { ctx, page, shown } = first;
    await page.reload();
    const again = await numberOf(page);
    assert.deepEqual(again, shown);
    const cookies = await ctx.cookies();
    assert.deepEqual(
      cookies.map((c) => [c.name, c.domain]),
      [['tt_dni_vid', 'localhost']],
      'one cookie, on the page’s own host; none for Telltale’s origin',
    );
    const vid = cookies[0];
    assert.match(vid.value, /^v_/);
    assert.equal(vid.sameSite, 'Lax');
    assert.ok(vid.expires > Date.now() / 1000 + 89 * 86400, 'kept for the tracking code’s cookie_days (90)');
    const landing = await page.evaluate(() => sessionStorage.getItem('tt_dni_landing'));
    assert.equal(JSON.parse(landing!).url, `${site.origin}/shop`);
  });

  it('getNumber always resolves: Telltale unreachable (a closed port) and Telltale that never answers both give the default, with no rejection', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const script = (await (await fetch(`${t.url}/aa.js`)).text()) as string;
    // The script is served from the closed port's origin by the browser's own route (the page finds Telltale there);
    // its visit then goes to the network and is refused.
    const ctx = await context();
    const downSrc = `http://127.0.0.1:${closed}/aa.js`;
    await ctx.route(downSrc, (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: script }));
    const page = await ctx.newPage();
    const rejections: string[] = [];
    page.on('pageerror', (e) => rejections.push(String(e)));
    await page.goto(site.page('/down', shopPage(downSrc, shop)));
    assert.deepEqual(await numberOf(page), { trackingCode: shop, isDefault: true, number: null, text: null });
    assert.deepEqual(await numberOf(page, '0401 020 304'), { trackingCode: shop, isDefault: true, number: '0401020304', text: '0401 020 304' });
    assert.equal(await text(page, '#spaced'), '0401 020 304');

    // A Telltale that accepts the connection and never answers: the answer comes at the timeout (AvanserOptions.timeoutMs).
    const hung: http.ServerResponse[] = [];
    const hanging = http.createServer((req, res) => {
      if (req.url === '/aa.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      hung.push(res);
    });
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    try {
      const slowSrc = `http://127.0.0.1:${(hanging.address() as net.AddressInfo).port}/aa.js`;
      const slow = await (await context()).newPage();
      await slow.goto(site.page('/slow', shopPage(slowSrc, shop, { timeoutMs: 300 })));
      assert.deepEqual(await numberOf(slow), { trackingCode: shop, isDefault: true, number: null, text: null });
      assert.equal(hung.length, 1, 'the visit reached the server, which never answered');
      assert.deepEqual(rejections, []);
    } finally {
      hanging.closeAllConnections();
      await new Promise((r) => hanging.close(r));
    }
  });

  it('a page on an origin the tracking code does not allow gets the business number (403 from Telltale)', async () => {
    const page = await (await context()).newPage();
    const refused: number[] = [];
    page.on('response', (r) => r.url().endsWith('/dni/v1/visit') && refused.push(r.status()));
    await page.goto(site.page('/guarded', shopPage(`${t.url}/aa.js`, guarded)));
    const shown = await numberOf(page);
    assert.equal(shown.isDefault, true);
    assert.equal(shown.number, null, 'the refused page learns nothing from Telltale');
    assert.equal(await text(page, '#spaced'), '0401 020 304');
    assert.equal(await href(page, '#tel'), 'tel:+61401020304');
    await shot(page, '4-origin-refused');
  });

  it('end to end: a sandbox call to the leased number carries that visit’s attribution (utm_*, gclid, GA client id, page) in the HTTP Callback', async () => {
    const ctx = await context();
    await ctx.addCookies([{ name: '_ga', value: 'GA1.2.1234567890.1700000000', url: site.origin }]);
    const page = await ctx.newPage();
    const landing = site.page('/landing', shopPage(`${t.url}/aa.js`, tiny)) + '?utm_source=google&utm_medium=cpc&utm_campaign=spring-sale&utm_term=emergency+plumber&gclid=EAIaIQobChMI';
    await page.goto(landing, { referer: 'https://www.google.com/' });
    const shown = await numberOf(page);
    assert.equal(shown.isDefault, false);
    assert.equal(shown.number, national(single));
    await shot(page, '5-attributed-visit');
    attributed = page;

    const before = receiver.requests.length;
    const res = await fetch(`${t.url}/sandbox/v1/calls`, {
      method: 'POST',
      headers: { authorization: acct.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ to: single, from: '+61390012300', answer_after: 3, talk: 20 }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const call = (await res.json()) as { call_id: number; state: string };
    await t.app.worker.drain();
    await receiver.waitFor(before + 1);
    const q = receiver.query(before);
    assert.equal(q.number, '+61-0291000201');
    assert.equal(q.source, 'google');
    assert.equal(q.medium, 'cpc');
    assert.equal(q.campaign, 'spring-sale');
    assert.equal(q.term, 'emergency plumber');
    assert.equal(q.gclid, 'EAIaIQobChMI');
    assert.equal(q.usercode, '1234567890');
    assert.equal(q.sessioncode, '1700000000');
    assert.equal(q.url, landing);
    // The WebAPI's call record says the same.
    const rec = await fetch(`${t.url}/webapi/v1/calls/${call.call_id}`, { headers: { authorization: acct.auth } });
    assert.equal(rec.status, 200);
    const body = JSON.stringify(await rec.json());
    assert.match(body, /spring-sale/);
  });

  it('heartbeats every heartbeat_seconds while the page is visible, each extending the lease; none while hidden, one at once on return (the page’s timers on a manual clock)', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await page.clock.install();
    // Count the heartbeats the page sends, where it sends them (the script calls the page's fetch).
    await page.addInitScript(() => {
      const w = window as unknown as { __beats: number; fetch: typeof fetch };
      const real = w.fetch.bind(window);
      w.__beats = 0;
      w.fetch = (input, init) => {
        if (String(input).endsWith('/dni/v1/heartbeat')) w.__beats++;
        return real(input, init);
      };
    });
    const sent = () => page.evaluate(() => (window as unknown as { __beats: number }).__beats);
    const answer = () => page.waitForResponse(`${t.url}/dni/v1/heartbeat`).then(async (r) => ({ status: r.status(), body: (await r.json()) as { lease_expires_at: string; number: string } }));
    const visit = page.waitForResponse(`${t.url}/dni/v1/visit`).then((r) => r.json() as Promise<{ lease_expires_at: string; heartbeat_seconds: number }>);
    await page.goto(site.page('/beat', shopPage(`${t.url}/aa.js`, beat)));
    await page.clock.runFor(100); // the page's own loader waits 50 ms after load
    const shown = await numberOf(page);
    assert.equal(shown.number, national(beatNumber));
    const v = await visit;
    assert.equal(v.heartbeat_seconds, 60);
    // Ten minutes pass on the server; the page's next heartbeat, 60 s after the visit, extends the lease from then.
    clock.advance(10 * 60_000);
    await page.clock.runFor(59_000);
    assert.equal(await sent(), 0, 'none before heartbeat_seconds');
    let next = answer();
    await page.clock.runFor(1_000);
    assert.equal(await sent(), 1);
    const first = await next;
    assert.equal(first.status, 200);
    assert.equal(first.body.number, national(beatNumber));
    assert.equal(Date.parse(first.body.lease_expires_at) - Date.parse(v.lease_expires_at), 10 * 60_000, 'the hold counts again from the heartbeat');
    next = answer();
    await page.clock.runFor(60_000);
    assert.equal(await sent(), 2);
    assert.equal((await next).status, 200);
    // Hidden: no heartbeats however long; visible again: one at once, then every 60 s again.
    const visibility = (state: 'hidden' | 'visible') =>
      page.evaluate((st) => {
        Object.defineProperty(document, 'visibilityState', { value: st, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await visibility('hidden');
    await page.clock.runFor(10 * 60_000);
    assert.equal(await sent(), 2, 'no heartbeat while the page is hidden');
    next = answer();
    await visibility('visible');
    assert.equal(await sent(), 3, 'one at once on return');
    assert.equal((await next).status, 200);
    await page.clock.runFor(59_000);
    assert.equal(await sent(), 3);
    next = answer();
    await page.clock.runFor(1_000);
    assert.equal(await sent(), 4);
    assert.equal((await next).status, 200);
  });

  it('a lease expires: without heartbeats, once the hold time (and cool-down) has passed, the number goes to the next visitor', async () => {
    // The tiny pool's one number is leased by the visit above; another visitor now gets the business number.
    const waiting = await (await context()).newPage();
    await waiting.goto(site.page('/shop-tiny', shopPage(`${t.url}/aa.js`, tiny)));
    assert.equal((await numberOf(waiting)).isDefault, true);
    // No heartbeat is sent in this test (heartbeat_seconds is far longer than it runs): move the server's clock past
    // the hold time and any cool-down.
    clock.advance((HOLD_MINUTES + 60) * 60_000);
    const next = await (await context()).newPage();
    await next.goto(site.page('/shop-tiny', shopPage(`${t.url}/aa.js`, tiny)));
    const shown = await numberOf(next);
    assert.equal(shown.isDefault, false);
    assert.equal(shown.number, national(single));
    assert.equal(await text(next, '#spaced'), `${shown.number!.slice(0, 4)} ${shown.number!.slice(4, 7)} ${shown.number!.slice(7)}`);
    await shot(next, '6-after-expiry');

    // The visitor whose lease lapsed comes back to its tab: a heartbeat at once, 404 (the number is someone else's
    // now), a new visit, which finds the pool taken: the page shows the business number again, in its own style.
    const calls: string[] = [];
    attributed.on('request', (r) => r.url().startsWith(`${t.url}/dni/v1/`) && calls.push(new URL(r.url()).pathname));
    const answered: number[] = [];
    attributed.on('response', (r) => r.url().startsWith(`${t.url}/dni/v1/`) && answered.push(r.status()));
    const visibility = (state: 'hidden' | 'visible') =>
      attributed.evaluate((s) => {
        Object.defineProperty(document, 'visibilityState', { value: s, configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await visibility('hidden');
    await visibility('visible');
    await attributed.waitForFunction(() => document.getElementById('spaced')!.textContent === '0401 020 304');
    assert.deepEqual(calls, ['/dni/v1/heartbeat', '/dni/v1/visit']);
    assert.deepEqual(answered, [404, 200]);
    assert.equal(await text(attributed, '#paren'), '(04) 0102 0304');
    assert.equal(await href(attributed, '#tel'), 'tel:+61401020304');
    assert.deepEqual(await numberOf(attributed), { trackingCode: tiny, isDefault: true, number: '0401020304', text: (await numberOf(attributed)).text });
    await attributed.evaluate(() => (document.getElementById('result')!.textContent = ''));
    await shot(attributed, '7-lease-lost-swapped-back');
  });

  it('the sandbox demo page loads the script as a customer page does, under its strict CSP, and shows the swap and what getNumber resolved', async () => {
    const page = await (await context()).newPage();
    const violations: string[] = [];
    page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && violations.push(m.text()));
    page.on('pageerror', (e) => violations.push(String(e)));
    const res = await page.goto(`${t.url}/sandbox/dni-demo?tracking_code=${demo}&client_id=${CLIENT}`);
    const csp = res!.headers()['content-security-policy'];
    assert.match(csp, /script-src 'nonce-[A-Za-z0-9+/=]+' 'self';/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    await page.waitForFunction(() => document.getElementById('result')!.textContent!.startsWith('{'));
    const shown = JSON.parse((await text(page, '#result'))!) as NumberObject;
    assert.deepEqual(shown, { trackingCode: demo, isDefault: false, number: national(demoNumber), text: shown.text });
    const n = shown.number!;
    assert.deepEqual(await page.locator('#forms li').allTextContents(), [n, `${n.slice(0, 4)} ${n.slice(4, 7)} ${n.slice(7)}`, `(${n.slice(0, 2)}) ${n.slice(2, 6)} ${n.slice(6)}`, `+61 ${n.slice(1, 4)} ${n.slice(4, 7)} ${n.slice(7)}`, `61${n.slice(1)}`]);
    assert.equal(await href(page, '#tel'), `tel:${demoNumber}`);
    assert.equal(await href(page, '#tel2'), `tel://${n}`);
    assert.equal(await page.inputValue('#field'), '0401020304');
    await page.click('#later');
    await page.waitForFunction(() => !!document.querySelector('#added p'));
    assert.equal(await text(page, '#added p'), `Added later: call ${n.slice(0, 4)} ${n.slice(4, 7)} ${n.slice(7)}`);
    assert.deepEqual(violations, []);
    await shot(page, '0-demo-page');
  });
});
